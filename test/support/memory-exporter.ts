/** The in-memory exporter: the test double for exporters. */
import { defineExporter, type Exporter, type ExportResult } from '../../core/component';
import type { Batch } from '../../core/signals';

/** Records every batch it is given; can be told to fail or to block. */
export class MemoryExporter implements Exporter {
  readonly batches: Batch[] = [];
  /** Lifecycle calls in order, shared with other doubles via `log`. */
  constructor(readonly id: string, readonly log: string[] = []) {}
  /** When set, export() returns this instead of succeeding. */
  failWith?: ExportResult;
  /** When set, export() waits for it first. */
  gate?: Promise<void>;
  startError?: Error;
  calls = 0;

  async start(): Promise<void> {
    this.log.push(`start ${this.id}`);
    if (this.startError) throw this.startError;
  }

  async export(batch: Batch): Promise<ExportResult> {
    this.calls++;
    if (this.gate) await this.gate;
    if (this.failWith && !this.failWith.ok) return this.failWith;
    this.batches.push(batch);
    return { ok: true };
  }

  async shutdown(): Promise<void> {
    this.log.push(`shutdown ${this.id}`);
  }

  /** Every record exported so far. */
  records(): Array<Batch['records'][number]> {
    return this.batches.flatMap((b): Array<Batch['records'][number]> => b.records);
  }
}

/** A factory of type `memory` whose instances are collected in `instances` by id. */
export function memoryExporterFactory(instances: Map<string, MemoryExporter>, log: string[] = []) {
  return defineExporter<Record<string, never>>({
    type: 'memory',
    signals: ['metrics', 'logs', 'traces'],
    schema: { type: 'object', additionalProperties: false, properties: {} },
    description: 'keeps batches in memory (tests)',
    create: (_config, ctx) => {
      const e = new MemoryExporter(ctx.id, log);
      instances.set(ctx.id, e);
      return e;
    },
  });
}
