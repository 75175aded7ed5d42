/** Turns an exporter's engine-level config keys into queue options. */
import { parseDuration } from '../config/duration';
import type { QueueOptions } from './exporter-queue';

/** Default queue capacity in records. */
export const DEFAULT_QUEUE_SIZE = 100_000;

interface SendingQueueConfig { enabled?: boolean; queue_size?: number; num_consumers?: number }
interface RetryConfig { enabled?: boolean; initial_interval?: string; max_interval?: string; max_elapsed_time?: string }

/** Reads `sending_queue` and `retry_on_failure` (defaults already filled by config validation). */
export function exporterQueueOptions(config: Record<string, unknown>): QueueOptions {
  const queue = (config.sending_queue ?? {}) as SendingQueueConfig;
  const retry = (config.retry_on_failure ?? {}) as RetryConfig;
  return {
    // A disabled queue holds only the batch being exported.
    capacity: queue.enabled === false ? 1 : queue.queue_size ?? DEFAULT_QUEUE_SIZE,
    consumers: queue.num_consumers ?? 1,
    retry: {
      enabled: retry.enabled ?? true,
      initialIntervalMs: parseDuration(retry.initial_interval ?? '1s'),
      maxIntervalMs: parseDuration(retry.max_interval ?? '30s'),
      maxElapsedMs: parseDuration(retry.max_elapsed_time ?? '5m'),
    },
  };
}
