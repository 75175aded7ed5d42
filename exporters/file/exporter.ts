/** The `file` exporter: one OTLP/JSON export request per line. */
import * as path from 'node:path';
import type { CreateContext, Exporter, ExportResult } from '../../core/component';
import type { Batch } from '../../core/signals';
import { encodeRequest } from '../../core/otlp-json';
import { DEFAULT_MAX_BACKUPS, DEFAULT_MAX_MEGABYTES, type FileExporterConfig } from './config';
import { RotatingFile } from './rotating-file';

/** Bytes per mebibyte, the unit of `rotation.max_megabytes`. */
const BYTES_PER_MEGABYTE = 1024 * 1024;

/**
 * Writes each batch as one JSON line to a file, rotating by size. One
 * attempt per export (the engine queues and retries); writes are serialized
 * so lines never interleave.
 */
export class FileExporter implements Exporter {
  /** Absolute path written to. */
  readonly file: string;
  private readonly out: RotatingFile;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(config: FileExporterConfig, private readonly ctx: Pick<CreateContext, 'id' | 'configDir' | 'logger'>) {
    this.file = path.resolve(ctx.configDir, config.path);
    const maxMegabytes = config.rotation?.max_megabytes ?? DEFAULT_MAX_MEGABYTES;
    this.out = new RotatingFile(this.file, {
      maxBytes: Math.floor(maxMegabytes * BYTES_PER_MEGABYTE),
      maxBackups: config.rotation?.max_backups ?? DEFAULT_MAX_BACKUPS,
    });
  }

  /** Opens (or creates) the file, so a bad path fails at start with a clear message. */
  async start(): Promise<void> {
    this.closed = false;
    try {
      await this.out.open();
    } catch (err) {
      throw new Error(`${this.ctx.id}: cannot open ${this.file} for writing: ${(err as Error).message}`);
    }
  }

  /** Appends the batch as one line. A failed write is not retryable (the error is returned). */
  export(batch: Batch): Promise<ExportResult> {
    if (this.closed) return Promise.resolve({ ok: false, retryable: false, error: new Error(`${this.ctx.id}: exporter is shut down`) });
    const run = this.tail.then(() => this.write(batch));
    this.tail = run;
    return run;
  }

  /** Waits for pending writes, then closes the file. Safe before start and twice. */
  async shutdown(): Promise<void> {
    this.closed = true;
    await this.tail;
    await this.out.close();
  }

  private async write(batch: Batch): Promise<ExportResult> {
    try {
      const line = Buffer.from(`${JSON.stringify(encodeRequest(batch))}\n`, 'utf8');
      await this.out.append(line);
      return { ok: true };
    } catch (err) {
      const error = new Error(`${this.ctx.id}: writing ${this.file} failed: ${(err as Error).message}`, { cause: err });
      this.ctx.logger.error({ err: error }, error.message);
      await this.out.close().catch(() => undefined);
      return { ok: false, retryable: false, error };
    }
  }
}
