/** `ebpf-pipeline check`: can each receiver run on this kernel, with these privileges? */
import type { ResolvedConfig } from '../config/model';
import type { Registry } from '../registry';
import { compileSchema } from '../config/ajv';

/** One receiver's verdict. */
export interface ReceiverVerdict {
  id: string;
  /** `undefined` when it can run; otherwise why not. */
  reason?: string;
  optional?: boolean;
}

/** Verdicts for the receivers of a loaded config. */
export function checkConfig(config: ResolvedConfig): ReceiverVerdict[] {
  return [...config.receivers.values()].map((r) => ({ id: r.id, reason: r.unavailable, optional: r.optional }));
}

/** Verdicts for every registered receiver type, probed with its default config. */
export function checkAll(registry: Registry): ReceiverVerdict[] {
  return registry.types('receiver').map((type) => {
    const factory = registry.get('receiver', type);
    if (factory?.kind !== 'receiver' || !factory.probe) return { id: type };
    const config: Record<string, unknown> = {};
    compileSchema(factory.schema)(config); // fills the defaults; required keys may stay missing
    try {
      return { id: type, reason: factory.probe(config) };
    } catch (err) {
      return { id: type, reason: `probe failed: ${(err as Error).message}` };
    }
  });
}

/** Renders verdicts as aligned lines. */
export function formatVerdicts(verdicts: ReceiverVerdict[]): string {
  const width = Math.max(8, ...verdicts.map((v) => v.id.length));
  return verdicts.map((v) => {
    const status = v.reason === undefined ? 'ok' : `cannot run here: ${v.reason}${v.optional ? ' (optional: skipped at start)' : ''}`;
    return `${v.id.padEnd(width)}  ${status}`;
  }).join('\n') + '\n';
}
