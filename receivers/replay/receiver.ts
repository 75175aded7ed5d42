/** The `replay` receiver: streams an OTLP/JSON lines file back into the pipelines. */
import { createReadStream, promises as fs, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { setImmediate as yieldToEventLoop, setTimeout as delay } from 'node:timers/promises';
import { Subject, type Observable } from 'rxjs';
import type { CreateContext, Receiver } from '../../core/component';
import type { Batch } from '../../core/signals';
import { parseDuration } from '../../core/config/duration';
import { decodeRequestLine, hrTimeToBigNanos, isZeroTime, type UnsupportedMetric } from '../../core/otlp-json';
import {
  DEFAULT_LOOP,
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_GAP,
  DEFAULT_PACE,
  DEFAULT_SPEED,
  DEFAULT_START_DELAY,
  type Pace,
  type ReplayReceiverConfig,
} from './config';

/** One warning is logged for the first malformed line and then for every this many. */
export const MALFORMED_WARN_EVERY = 100;

/** Wait when a looped file yielded no record at all, so an empty file does not spin. */
const EMPTY_PASS_WAIT_MS = 1000;

/** The time of a batch's first record, in nanoseconds, or undefined when it has none. */
function firstTime(batch: Batch): bigint | undefined {
  if (batch.records.length === 0) return undefined;
  switch (batch.signal) {
    case 'metrics':
      return hrTimeToBigNanos(batch.records[0].time);
    case 'logs': {
      const log = batch.records[0];
      return hrTimeToBigNanos(isZeroTime(log.time) && log.observedTime ? log.observedTime : log.time);
    }
    case 'traces':
      return hrTimeToBigNanos(batch.records[0].startTime);
  }
}

/** Splits a batch into batches of at most `max` records (the batch itself when it fits). */
export function splitBatch(batch: Batch, max: number): Batch[] {
  if (batch.records.length <= max) return [batch];
  const out: Batch[] = [];
  for (let i = 0; i < batch.records.length; i += max) {
    out.push({ signal: batch.signal, records: batch.records.slice(i, i + max) } as Batch);
  }
  return out;
}

/**
 * Reads the file line by line (readline: bounded memory), decodes each line
 * and emits its batches on a hot Subject, yielding to the event loop between
 * batches. Does not complete at the end of the file; `shutdown()` does.
 */
export class ReplayReceiver implements Receiver {
  /** Batches read from the file. Hot: subscribe before start(). */
  readonly batches: Observable<Batch>;
  /** Absolute path replayed. */
  readonly file: string;
  /** Non-blank lines read so far (every pass). */
  lines = 0;
  /** Records emitted so far. */
  records = 0;
  /** Lines that could not be decoded. */
  malformed = 0;

  private readonly subject = new Subject<Batch>();
  private readonly abort = new AbortController();
  private readonly pace: Pace;
  private readonly speed: number;
  private readonly maxGapMs: number;
  private readonly loop: boolean;
  private readonly startDelayMs: number;
  private readonly maxBatchSize: number;
  private readonly warnedKinds = new Set<string>();
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(config: ReplayReceiverConfig, private readonly ctx: Pick<CreateContext, 'id' | 'configDir' | 'logger' | 'telemetry'>) {
    this.batches = this.subject.asObservable();
    this.file = path.resolve(ctx.configDir, config.path);
    this.pace = config.pace ?? DEFAULT_PACE;
    this.speed = config.speed ?? DEFAULT_SPEED;
    this.maxGapMs = parseDuration(config.max_gap ?? DEFAULT_MAX_GAP);
    this.loop = config.loop ?? DEFAULT_LOOP;
    this.startDelayMs = parseDuration(config.start_delay ?? DEFAULT_START_DELAY);
    this.maxBatchSize = config.max_batch_size ?? DEFAULT_MAX_BATCH_SIZE;
  }

  /** Checks the file is readable, then starts replaying in the background. */
  async start(): Promise<void> {
    if (this.running || this.stopped) return;
    try {
      await fs.access(this.file, fsConstants.R_OK);
    } catch (err) {
      throw new Error(`${this.ctx.id}: cannot read ${this.file}: ${(err as Error).message}`);
    }
    this.running = this.run().catch((err: unknown) => {
      this.ctx.logger.error({ err }, `replay of ${this.file} failed: ${(err as Error).message}`);
    });
  }

  /** Stops reading, waits for the reader to let go of the file, completes `batches`. Safe before start and twice. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    await this.running;
    this.subject.complete();
  }

  private async run(): Promise<void> {
    if (!(await this.sleep(this.startDelayMs))) return;
    for (;;) {
      const before = this.records;
      await this.replayOnce();
      if (this.stopped) return;
      if (!this.loop) break;
      if (this.records === before && !(await this.sleep(EMPTY_PASS_WAIT_MS))) return;
    }
    this.ctx.logger.info(
      { records: this.records, lines: this.lines, malformed: this.malformed, file: this.file },
      `replay finished: ${this.records} records from ${this.lines} lines`,
    );
  }

  private async replayOnce(): Promise<void> {
    const input = createReadStream(this.file, { encoding: 'utf8' });
    const lines = readline.createInterface({ input, crlfDelay: Infinity });
    let lineNo = 0;
    let previous: bigint | undefined;
    try {
      for await (const line of lines) {
        lineNo++;
        if (this.stopped) return;
        if (line.trim() === '') continue;
        this.lines++;
        let batches: Batch[];
        try {
          batches = decodeRequestLine(JSON.parse(line), { onUnsupported: (s) => this.unsupported(s, lineNo) });
        } catch (err) {
          this.malformedLine(lineNo, err as Error);
          continue;
        }
        if (this.pace === 'recorded' && batches.length > 0) {
          const t = firstTime(batches[0]);
          if (t !== undefined) {
            if (previous !== undefined && !(await this.sleep(this.gapMs(previous, t)))) return;
            previous = t;
          }
        }
        for (const batch of batches) {
          for (const part of splitBatch(batch, this.maxBatchSize)) {
            if (this.stopped) return;
            this.records += part.records.length;
            this.subject.next(part);
            await yieldToEventLoop();
          }
        }
      }
    } finally {
      lines.close();
      input.destroy();
    }
  }

  private gapMs(previous: bigint, next: bigint): number {
    const ms = Number(next - previous) / 1e6 / this.speed;
    return Math.min(Math.max(ms, 0), this.maxGapMs);
  }

  /** Waits `ms`; false when shutdown interrupted the wait. */
  private async sleep(ms: number): Promise<boolean> {
    if (this.stopped) return false;
    if (ms <= 0) return true;
    try {
      await delay(ms, undefined, { signal: this.abort.signal });
      return true;
    } catch {
      return false;
    }
  }

  private malformedLine(lineNo: number, err: Error): void {
    this.malformed++;
    this.ctx.telemetry.drop('malformed_line', 1);
    if ((this.malformed - 1) % MALFORMED_WARN_EVERY === 0) {
      this.ctx.logger.warn(
        { file: this.file, line: lineNo, malformed: this.malformed },
        `${this.file}:${lineNo}: skipped a malformed line (${this.malformed} so far, one warning per ${MALFORMED_WARN_EVERY}): ${err.message}`,
      );
    }
  }

  private unsupported(s: UnsupportedMetric, lineNo: number): void {
    this.ctx.telemetry.drop('unsupported_metric', s.points);
    if (this.warnedKinds.has(s.kind)) return;
    this.warnedKinds.add(s.kind);
    this.ctx.logger.warn(
      { file: this.file, line: lineNo, metric: s.metric, kind: s.kind },
      `${this.file}:${lineNo}: skipping ${s.kind} metric "${s.metric}" (${s.points} points): only sum, gauge and histogram are supported; further ${s.kind} metrics are skipped silently and counted as dropped (unsupported_metric)`,
    );
  }
}
