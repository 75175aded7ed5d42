/**
 * The bounded sending queue in front of every exporter (the Collector's
 * exporterhelper): batches wait here, consumers call `export()`, retryable
 * failures are retried with backoff. Every record that enters is, at any
 * time, exactly one of: sent, dropped (by reason) or still queued.
 */
import type { Batch } from '../signals';
import type { Exporter } from '../component';
import type { ComponentTelemetry } from '../telemetry';
import type { Logger } from '../logger';
import { backoffDelay, type RetryPolicy } from './retry';

/** Queue settings. */
export interface QueueOptions {
  /** Capacity in records (queued + being exported). */
  capacity: number;
  /** Concurrent `export()` calls. */
  consumers: number;
  retry: RetryPolicy;
}

/** A bounded queue plus its consumers for one exporter. */
export class ExporterQueue {
  private readonly pending: Batch[] = [];
  /** Records queued or in an export call right now. */
  private held = 0;
  private active = 0;
  private stopping = false;
  /** Set when the drain deadline passed: retries stop. */
  private abandoned = false;
  private idleWaiters: Array<() => void> = [];
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();

  constructor(
    private readonly id: string,
    private readonly exporter: Exporter,
    private readonly telemetry: ComponentTelemetry,
    private readonly options: QueueOptions,
    private readonly logger: Logger,
  ) {
    telemetry.queueCapacity = options.capacity;
    telemetry.queueSize = () => this.held;
  }

  /** Offers a batch; drops it (counted) when the queue has no room or is shutting down. */
  offer(batch: Batch): void {
    const n = batch.records.length;
    if (n === 0) return;
    this.telemetry.received += n;
    if (this.stopping) {
      this.telemetry.drop('shutdown', n);
      return;
    }
    if (this.held + n > this.options.capacity && this.held > 0) {
      this.telemetry.drop('queue_full', n);
      return;
    }
    this.held += n;
    this.pending.push(batch);
    this.pump();
  }

  /**
   * Waits until everything queued is sent or dropped. After `deadlineMs`,
   * retries stop and what is left is dropped as `shutdown`.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.stopping = true;
    const timer = setTimeout(() => this.abandon(), deadlineMs);
    try {
      await this.whenIdle();
    } finally {
      clearTimeout(timer);
    }
  }

  private whenIdle(): Promise<void> {
    if (this.held === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private abandon(): void {
    this.abandoned = true;
    const left = this.pending.splice(0);
    for (const b of left) this.release(b, 'shutdown');
    for (const s of this.sleepers) s.wake();
  }

  private pump(): void {
    while (this.active < this.options.consumers && this.pending.length > 0) {
      const batch = this.pending.shift() as Batch;
      this.active++;
      void this.send(batch).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async send(batch: Batch): Promise<void> {
    const started = Date.now();
    const { retry } = this.options;
    for (let attempt = 1; ; attempt++) {
      const result = await this.exporter.export(batch);
      if (result.ok) return this.release(batch, undefined, result.dropped);
      const context = { exporter: this.id, err: result.error.message, records: batch.records.length };
      if (!result.retryable || !retry.enabled) {
        this.logger.warn(context, 'export failed permanently; dropping batch');
        return this.release(batch, 'export_failed');
      }
      if (this.abandoned) return this.release(batch, 'shutdown');
      const delay = backoffDelay(retry, attempt);
      if (retry.maxElapsedMs > 0 && Date.now() - started + delay > retry.maxElapsedMs) {
        this.logger.warn(context, 'export retries exhausted; dropping batch');
        return this.release(batch, 'retries_exhausted');
      }
      this.logger.debug({ ...context, attempt, delay_ms: Math.round(delay) }, 'export failed; retrying');
      if (await this.sleep(delay)) return this.release(batch, 'shutdown');
    }
  }

  /** Sleeps; resolves true when woken early by shutdown. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleepers.delete(entry);
          resolve(false);
        }, ms),
        wake: () => {
          clearTimeout(entry.timer);
          this.sleepers.delete(entry);
          resolve(true);
        },
      };
      this.sleepers.add(entry);
    });
  }

  /** Accounts for a batch that left the queue: sent, or dropped as `dropReason`, less the records the exporter itself dropped. */
  private release(batch: Batch, dropReason?: string, exporterDropped: Record<string, number> = {}): void {
    const n = batch.records.length;
    this.held -= n;
    if (dropReason) {
      this.telemetry.drop(dropReason, n);
    } else {
      let dropped = 0;
      for (const [reason, count] of Object.entries(exporterDropped)) {
        const counted = Math.min(count, n - dropped);
        this.telemetry.drop(reason, counted);
        dropped += counted;
      }
      this.telemetry.sent += n - dropped;
    }
    if (this.held === 0) {
      const waiters = this.idleWaiters.splice(0);
      for (const w of waiters) w();
    }
  }
}
