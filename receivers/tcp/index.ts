/** The `tcp` receiver factory. */
import { defineReceiver, type ConfigProblem } from '../../core/component';
import { parseDuration } from '../../core/config/duration';
import { unmetRequirement } from '../../core/kernel/requirements';
import { tcpSchema, type TcpConfig } from './config';
import { TcpReceiver } from './receiver';
import { bpfObjectPath } from '../../core/kernel/bpf-object';

/** Problems the schema cannot see: a zero interval. */
export function validateTcpConfig(config: Partial<TcpConfig>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (config.collection_interval !== undefined && parseDuration(config.collection_interval) <= 0) {
    problems.push({ path: '/collection_interval', message: 'must be more than 0' });
  }
  return problems;
}

/** Why this machine cannot run the receiver, or `undefined` when it can. */
export function probeTcp(): string | undefined {
  return unmetRequirement({
    capabilities: ['CAP_BPF', 'CAP_PERFMON'],
    btf: true,
    files: [{ path: bpfObjectPath('tcp'), hint: 'run ./setup.sh (or make -C bpf) to build the BPF programs' }],
  });
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
