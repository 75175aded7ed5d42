/** The `debug` exporter: human-readable batches on stderr. */
import type { Writable } from 'node:stream';
import type { CreateContext, Exporter, ExportResult } from '../../core/component';
import type { Batch } from '../../core/signals';
import { DEFAULT_VERBOSITY, type DebugExporterConfig, type Verbosity } from './config';
import { formatNormal } from './format-normal';
import { formatDetailed } from './format-detailed';

const UNITS = { metrics: ['point', 'points'], logs: ['record', 'records'], traces: ['span', 'spans'] } as const;

/** The `basic` line: `<id> metrics: 12 points`, `<id> logs: 1 record`, `<id> traces: 2 spans`. */
export function formatSummary(batch: Batch, id: string): string {
  const n = batch.records.length;
  return `${id} ${batch.signal}: ${n} ${UNITS[batch.signal][n === 1 ? 0 : 1]}`;
}

/** Prints every batch to a stream (stderr by default) at the configured verbosity. */
export class DebugExporter implements Exporter {
  private readonly verbosity: Verbosity;

  constructor(
    config: DebugExporterConfig,
    private readonly ctx: Pick<CreateContext, 'id'>,
    /** Where lines go; injectable for tests. */
    private readonly out: Writable = process.stderr,
  ) {
    this.verbosity = config.verbosity ?? DEFAULT_VERBOSITY;
  }

  /** Nothing to open. */
  async start(): Promise<void> {}

  /** Writes the batch's lines; resolves once the stream accepted them. */
  export(batch: Batch): Promise<ExportResult> {
    let lines: string[];
    try {
      lines = this.render(batch);
    } catch (err) {
      return Promise.resolve({ ok: false, retryable: false, error: err as Error });
    }
    if (lines.length === 0) return Promise.resolve({ ok: true });
    return new Promise((resolve) => {
      this.out.write(`${lines.join('\n')}\n`, (err) => {
        resolve(err ? { ok: false, retryable: false, error: err } : { ok: true });
      });
    });
  }

  /** Nothing to flush: writes are handed to the stream as they come. */
  async shutdown(): Promise<void> {}

  /** The lines printed for a batch at this exporter's verbosity. */
  render(batch: Batch): string[] {
    switch (this.verbosity) {
      case 'basic':
        return [formatSummary(batch, this.ctx.id)];
      case 'normal':
        return formatNormal(batch, this.ctx.id);
      case 'detailed':
        return [formatSummary(batch, this.ctx.id), ...formatDetailed(batch)];
    }
  }
}
