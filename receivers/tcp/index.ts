/** The `tcp` receiver factory. */
import { defineReceiver, type ConfigProblem } from '../../core/component';
import { unmetBpfRequirement } from '../../core/kernel/requirements';
import { nonPositiveDurations } from '../../core/kernel/receiver-config';
import { tcpSchema, type TcpConfig } from './config';
import { TcpReceiver } from './receiver';

/** Problems the schema cannot see: a zero interval. */
export function validateTcpConfig(config: Partial<TcpConfig>): ConfigProblem[] {
  return nonPositiveDurations(config, ['collection_interval']);
}

/** Why this machine cannot run the receiver, or `undefined` when it can. */
export function probeTcp(): string | undefined {
  return unmetBpfRequirement('tcp', ['CAP_BPF', 'CAP_PERFMON']);
}

/** TCP connections from eBPF: lifecycle, bytes, retransmits, resets, RTT as metrics; each closed connection as a span and a log record. */
export const tcpReceiverFactory = defineReceiver<TcpConfig>({
  type: 'tcp',
  signals: ['metrics', 'traces', 'logs'],
  schema: tcpSchema,
  description: 'TCP connection lifecycle, bytes, retransmits, resets and RTT from eBPF; closed connections as spans and logs',
  validate: (config) => validateTcpConfig(config),
  probe: () => probeTcp(),
  create: (config, ctx) => new TcpReceiver(config, ctx),
});
