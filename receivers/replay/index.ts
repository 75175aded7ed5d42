/** The `replay` receiver factory. */
import { defineReceiver } from '../../core/component';
import { replayReceiverSchema, type ReplayReceiverConfig } from './config';
import { ReplayReceiver } from './receiver';

/** Replays an OTLP/JSON lines file (the file exporter's output, or the Collector's) as metrics, logs and traces. */
export const replayReceiverFactory = defineReceiver<ReplayReceiverConfig>({
  type: 'replay',
  signals: ['metrics', 'logs', 'traces'],
  schema: replayReceiverSchema,
  description: 'replays an OTLP/JSON lines file (file exporter output) into the pipelines',
  create: (config, ctx) => new ReplayReceiver(config, ctx),
});
