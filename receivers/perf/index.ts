/** The `perf` receiver factory. */
import { defineReceiver, type ConfigProblem } from '../../core/component';
import { unmetBpfRequirement } from '../../core/kernel/requirements';
import { nonPositiveDurations } from '../../core/kernel/receiver-config';
import { cgroupProblem } from '../../core/kernel/cgroup';
import { perfSchema, type PerfConfig } from './config';
import { PerfReceiver } from './receiver';

/** Problems the schema cannot see: a zero interval. */
export function validatePerfConfig(config: Partial<PerfConfig>): ConfigProblem[] {
  return nonPositiveDurations(config, ['collection_interval']);
}

/** Why this machine cannot run the receiver with `config`, or `undefined` when it can. */
export function probePerf(config: Partial<PerfConfig>): string | undefined {
  if (process.arch !== 'x64' && process.arch !== 'arm64') return `the perf receiver supports x86_64 and arm64 only, not ${process.arch}`;
  const unmet = unmetBpfRequirement('perf', ['CAP_BPF', 'CAP_PERFMON']);
  return unmet ?? cgroupProblem(config.cgroup);
}

/** CPU profiles from perf_event sampling in the kernel: pprof, folded stacks and flame graphs; `process.cpu.samples`. */
export const perfReceiverFactory = defineReceiver<PerfConfig>({
  type: 'perf',
  signals: ['metrics'],
  schema: perfSchema,
  description: 'CPU profiles sampled with perf events in eBPF (pprof, folded stacks, flame graph HTML); samples per process as metrics',
  validate: (config) => validatePerfConfig(config),
  probe: (config) => probePerf(config),
  create: (config, ctx) => new PerfReceiver(config, ctx),
});
