/** The `batch` operator: buffers records and sends them by size or by age. */
import { asyncScheduler, Observable } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import type { Batch, Signal } from '../../core/signals';

/** Options of {@link batchOperator}, in records and milliseconds. */
export interface BatchOptions {
  /** Buffered records that trigger a send; 0 disables the size trigger. */
  sendBatchSize: number;
  /** Milliseconds after the first buffered record at which the buffer is sent; 0 sends each input at once. */
  timeoutMs: number;
  /** Largest batch sent (bigger ones are split); 0 means no limit. */
  sendBatchMaxSize: number;
  /** Scheduler for the timeout (tests pass a virtual one; `asyncScheduler` by default). */
  scheduler?: SchedulerLike;
}

type AnyRecord = Batch['records'][number];

/**
 * Collector-style batching. Records are buffered until `sendBatchSize` of them
 * are buffered (then the whole buffer is sent, in chunks of at most
 * `sendBatchMaxSize`) or until `timeoutMs` has passed since the first
 * buffered record. Records left below the size trigger after a size send wait
 * for a new timeout. Completion of the input sends what is buffered, then
 * completes; an error sends what is buffered, then propagates the error.
 * Empty input batches are ignored; the signal of the input is kept.
 */
export function batchOperator(options: BatchOptions): OperatorFunction<Batch, Batch> {
  const { sendBatchSize, timeoutMs, sendBatchMaxSize } = options;
  const scheduler = options.scheduler ?? asyncScheduler;
  const max = sendBatchMaxSize > 0 ? sendBatchMaxSize : Infinity;
  const trigger = sendBatchSize > 0 ? sendBatchSize : max;

  return (source) =>
    new Observable<Batch>((subscriber) => {
      let buffer: AnyRecord[] = [];
      // The buffer may be an input batch's own array until something is appended.
      let owned = false;
      let signal: Signal = 'metrics';
      let timer: Subscription | undefined;

      const emit = (records: AnyRecord[]): void => {
        subscriber.next({ signal, records } as Batch);
      };

      /** Sends `records[from..to)` in chunks of at most `max`. */
      const emitChunks = (records: AnyRecord[], from: number, to: number): void => {
        if (from === 0 && to === records.length && to <= max) {
          emit(records);
          return;
        }
        for (let i = from; i < to; i += max) emit(records.slice(i, Math.min(i + max, to)));
      };

      const cancelTimer = (): void => {
        timer?.unsubscribe();
        timer = undefined;
      };

      const flushAll = (): void => {
        cancelTimer();
        if (buffer.length === 0) return;
        const records = buffer;
        buffer = [];
        owned = false;
        emitChunks(records, 0, records.length);
      };

      const startTimer = (): void => {
        cancelTimer();
        timer = scheduler.schedule(() => {
          timer = undefined;
          flushAll();
        }, timeoutMs);
      };

      const append = (records: AnyRecord[]): void => {
        if (buffer.length === 0) {
          buffer = records;
          owned = false;
          return;
        }
        if (!owned) {
          buffer = buffer.slice();
          owned = true;
        }
        for (let i = 0; i < records.length; i++) buffer.push(records[i]);
      };

      const subscription = source.subscribe({
        next(batch) {
          const records = batch.records as AnyRecord[];
          if (records.length === 0) return;
          if (batch.signal !== signal && buffer.length > 0) flushAll();
          signal = batch.signal;
          if (timeoutMs <= 0) {
            emitChunks(records, 0, records.length);
            return;
          }
          const wasEmpty = buffer.length === 0;
          append(records);
          if (buffer.length < trigger) {
            if (wasEmpty) startTimer();
            return;
          }
          // Size trigger: send everything (in chunks of max) while at least `trigger` remain.
          let from = 0;
          const all = buffer;
          while (all.length - from >= trigger) {
            const to = Math.min(from + max, all.length);
            emitChunks(all, from, to);
            from = to;
          }
          if (from === all.length) {
            buffer = [];
            owned = false;
            cancelTimer();
          } else {
            buffer = all.slice(from);
            owned = true;
            startTimer();
          }
        },
        error(err) {
          flushAll();
          subscriber.error(err);
        },
        complete() {
          flushAll();
          subscriber.complete();
        },
      });

      return () => {
        cancelTimer();
        subscription.unsubscribe();
      };
    });
}
