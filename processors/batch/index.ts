/** The `batch` processor factory. */
import { defineProcessor } from '../../core/component';
import type { ConfigProblem } from '../../core/component';
import { parseDuration } from '../../core/config/duration';
import { batchSchema, type BatchConfig } from './config';
import { batchOperator } from './operator';

/** Config-time checks the schema cannot express. */
function validateBatchConfig(config: BatchConfig): ConfigProblem[] {
  const max = config.send_batch_max_size;
  if (max !== 0 && max < config.send_batch_size) {
    return [{
      path: '/send_batch_max_size',
      message: `send_batch_max_size (${max}) must be 0 (no limit) or >= send_batch_size (${config.send_batch_size})`,
    }];
  }
  return [];
}

/** Buffers records into batches, sent by size (`send_batch_size`) or age (`timeout`), as in the Collector. */
export const batchProcessorFactory = defineProcessor<BatchConfig>({
  type: 'batch',
  signals: ['metrics', 'logs', 'traces'],
  schema: batchSchema,
  description: 'buffers records and sends them in batches by size or timeout',
  validate: validateBatchConfig,
  create: (config) => ({
    operator: batchOperator({
      sendBatchSize: config.send_batch_size,
      timeoutMs: parseDuration(config.timeout),
      sendBatchMaxSize: config.send_batch_max_size,
    }),
  }),
});
