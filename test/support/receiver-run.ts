/** Running one receiver in a kernel test: start, the workload, a collection, shutdown; what it emitted. */
import type { Receiver } from '../../core/component';
import type { Batch, LogRecord, MetricRecord, SpanRecord } from '../../core/signals';
import { sleep } from './metric-points';

/** What a receiver emitted during a run. */
export interface ReceiverRun {
  /** Every batch, in order (shutdown's final collection included). */
  batches: Batch[];
  /** How many of `batches` came before shutdown began (the interval's). */
  beforeShutdown: number;
  /** The points of the last metrics batch (cumulative: the totals). */
  metrics: MetricRecord[];
  /** Every span. */
  spans: SpanRecord[];
  /** Every log record. */
  logs: LogRecord[];
}

/**
 * Starts `receiver`, runs `body`, waits `settleMs` (an interval and a bit, so
 * that one collection follows the workload), shuts down. `batches` receives
 * the batches as they come (a test may watch it during `body`).
 */
export async function runReceiver(receiver: Receiver, body: () => Promise<void>, settleMs: number, batches: Batch[] = []): Promise<ReceiverRun> {
  const subscription = receiver.batches.subscribe((b) => batches.push(b));
  let beforeShutdown = 0;
  await receiver.start();
  try {
    await body();
    await sleep(settleMs);
  } finally {
    beforeShutdown = batches.length;
    await receiver.shutdown();
    subscription.unsubscribe();
  }
  const of = <R>(signal: Batch['signal']): R[] => batches.filter((b) => b.signal === signal).flatMap((b) => b.records as R[]);
  return {
    batches,
    beforeShutdown,
    metrics: (batches.filter((b) => b.signal === 'metrics').at(-1)?.records ?? []) as MetricRecord[],
    spans: of<SpanRecord>('traces'),
    logs: of<LogRecord>('logs'),
  };
}
