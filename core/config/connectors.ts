/**
 * Checks of the `connectors:` section against the pipelines: each connector
 * is an exporter of at least one pipeline and a receiver of at least one
 * other, its id is not also a receiver's or an exporter's, and pipelines
 * joined by connectors form no cycle.
 */
import type { ConfigIssue } from './errors';
import type { PipelineConfig } from './model';
import type { DefinedComponents } from './pipelines';
import type { YamlPath, YamlSource } from './yaml-source';

/** One place a pipeline lists a connector. */
export interface ConnectorUse {
  connector: string;
  /** The pipeline id. */
  pipeline: string;
  /** `exporter`: the pipeline feeds the connector; `receiver`: the connector feeds the pipeline. */
  side: 'receiver' | 'exporter';
  /** YAML path of the list entry. */
  at: YamlPath;
}

/** Pushes a problem for every connector misuse. */
export function checkConnectors(
  defined: DefinedComponents,
  uses: readonly ConnectorUse[],
  pipelines: readonly PipelineConfig[],
  source: YamlSource,
  issues: ConfigIssue[],
): void {
  for (const [id, { factory }] of defined.connector) {
    if (!factory || factory.kind !== 'connector') continue; // an unknown type is reported already
    const clash = (['receiver', 'exporter'] as const).find((kind) => defined[kind].has(id));
    if (clash) {
      issues.push(source.issueAt(['connectors', id], `"${id}" is defined both as a ${clash} and as a connector`, `rename one: a pipeline's ${clash}s: list names either`, 'key'));
      continue; // its uses are ambiguous: nothing more to say about them
    }
    const mine = uses.filter((u) => u.connector === id);
    const fed = mine.filter((u) => u.side === 'exporter');
    const feeds = mine.filter((u) => u.side === 'receiver');
    const accepts = factory.signals.join(' or ');
    const emits = factory.emits.join(' or ');
    if (mine.length === 0) {
      issues.push(source.issueAt(
        ['connectors', id],
        `connector "${id}" is not used in any pipeline`,
        `list it under exporters: of a ${accepts} pipeline and under receivers: of a ${emits} pipeline, or remove it`,
        'key',
      ));
    } else if (feeds.length === 0) {
      issues.push(source.issueAt(
        fed[0].at,
        `connector "${id}" is an exporter of pipeline "${fed[0].pipeline}" but no pipeline lists it under receivers:, so what it makes would go nowhere`,
        `list it under receivers: of a ${emits} pipeline`,
      ));
    } else if (fed.length === 0) {
      issues.push(source.issueAt(
        feeds[0].at,
        `connector "${id}" is a receiver of pipeline "${feeds[0].pipeline}" but no pipeline lists it under exporters:, so nothing would feed it`,
        `list it under exporters: of a ${accepts} pipeline`,
      ));
    }
  }
  const cycle = findCycle(uses, pipelines);
  if (cycle) {
    const text = cycle.path.join(' -> ');
    issues.push(source.issueAt(cycle.at, `pipelines joined by connectors form a cycle: ${text}`, 'a pipeline may not feed itself through connectors; break the loop'));
  }
}

/** The first cycle of pipelines through connectors: `p1 -> c1 -> p2 -> c2 -> p1`, located at the connector use that closes it. */
function findCycle(uses: readonly ConnectorUse[], pipelines: readonly PipelineConfig[]): { path: string[]; at: YamlPath } | undefined {
  // Edges: pipeline --(connector)--> pipeline that lists the connector as a receiver.
  const next = new Map<string, Array<{ connector: string; to: string; at: YamlPath }>>();
  for (const fed of uses.filter((u) => u.side === 'exporter')) {
    for (const feeds of uses.filter((u) => u.side === 'receiver' && u.connector === fed.connector)) {
      const list = next.get(fed.pipeline) ?? [];
      list.push({ connector: fed.connector, to: feeds.pipeline, at: feeds.at });
      next.set(fed.pipeline, list);
    }
  }
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (pipeline: string): { path: string[]; at: YamlPath } | undefined => {
    state.set(pipeline, 'open');
    stack.push(pipeline);
    for (const edge of next.get(pipeline) ?? []) {
      stack.push(edge.connector);
      if (state.get(edge.to) === 'open') return { path: [...stack.slice(stack.indexOf(edge.to)), edge.to], at: edge.at };
      if (state.get(edge.to) === undefined) {
        const found = visit(edge.to);
        if (found) return found;
      }
      stack.pop();
    }
    stack.pop();
    state.set(pipeline, 'done');
    return undefined;
  };
  for (const { id } of pipelines) {
    if (state.get(id) !== undefined) continue;
    const found = visit(id);
    if (found) return found;
  }
  return undefined;
}
