/** The `blockio` receiver factory. */
import { defineReceiver, type ConfigProblem } from '../../core/component';
import { unmetBpfRequirement } from '../../core/kernel/requirements';
import { nonPositiveDurations } from '../../core/kernel/receiver-config';
import { blockioSchema, type BlockioConfig } from './config';
import { resolveDevices, SYS_CLASS_BLOCK } from './devices';
import { BlockioReceiver } from './receiver';

/** Problems the schema cannot see: a zero interval, disk names this machine does not have (or partitions). */
export function validateBlockioConfig(config: Partial<BlockioConfig>, sysClassBlock: string = SYS_CLASS_BLOCK): ConfigProblem[] {
  const problems = nonPositiveDurations(config, ['collection_interval']);
  for (const p of resolveDevices(config.devices ?? [], sysClassBlock).problems) {
    problems.push({ path: `/devices/${p.index}`, message: p.message });
  }
  return problems;
}

/** Why this machine cannot run the receiver, or `undefined` when it can. */
export function probeBlockio(): string | undefined {
  return unmetBpfRequirement('blockio', ['CAP_BPF', 'CAP_PERFMON']);
}

/** Disk I/O from eBPF: bytes, operations and latency per disk and direction; slow requests as spans. */
export const blockioReceiverFactory = defineReceiver<BlockioConfig>({
  type: 'blockio',
  signals: ['metrics', 'traces'],
  schema: blockioSchema,
  description: 'disk I/O bytes, operations and latency per disk and direction from eBPF; slow requests as spans',
  validate: (config) => validateBlockioConfig(config),
  probe: () => probeBlockio(),
  create: (config, ctx) => new BlockioReceiver(config, ctx),
});
