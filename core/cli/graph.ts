/** Renders the resolved pipeline graph for `validate` and the start log. */
import type { PipelineConfig, ResolvedConfig } from '../config/model';

/** One line per pipeline: `metrics: [a, b] -> [batch] -> [prometheus]`. */
export function describePipeline(p: PipelineConfig): string {
  const list = (ids: string[]): string => `[${ids.join(', ')}]`;
  return `${p.id}: receivers ${list(p.receivers)} -> processors ${list(p.processors)} -> exporters ${list(p.exporters)}`;
}

/** The whole graph with each component's resolved config, for `validate`. */
export function describeConfig(config: ResolvedConfig): string {
  const lines = [`config ${config.source} is valid`, '', 'pipelines:'];
  for (const p of config.pipelines) lines.push(`  ${describePipeline(p)}`);
  for (const [title, components] of [['receivers', config.receivers], ['processors', config.processors], ['exporters', config.exporters], ['connectors', config.connectors]] as const) {
    lines.push('', `${title}:`);
    for (const c of components.values()) lines.push(`  ${c.id}${c.optional ? ' (optional)' : ''}${c.unavailable ? ` (cannot run here: ${c.unavailable}; skipped)` : ''}: ${JSON.stringify(c.config)}`);
  }
  if (config.plugins.length > 0) lines.push('', 'plugins:', ...config.plugins.map((p) => `  ${p}`));
  return lines.join('\n') + '\n';
}
