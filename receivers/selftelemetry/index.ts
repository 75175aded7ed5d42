/** The `selftelemetry` receiver factory. */
import { defineReceiver } from '../../core/component';
import { selftelemetrySchema, type SelftelemetryConfig } from './config';
import { SelftelemetryReceiver } from './receiver';

/** Emits the engine's counters (received, sent, refused, dropped, queue size) as `ebpf_pipeline.*` metrics. */
export const selftelemetryReceiverFactory = defineReceiver<SelftelemetryConfig>({
  type: 'selftelemetry',
  signals: ['metrics'],
  schema: selftelemetrySchema,
  description: "the agent's own counters as metrics",
  create: (config, ctx) => new SelftelemetryReceiver(config, ctx),
});
