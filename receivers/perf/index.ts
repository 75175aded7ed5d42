/** The `perf` receiver factory. */
import { defineReceiver, type ConfigProblem } from '../../core/component';
import { parseDuration } from '../../core/config/duration';
import { unmetRequirement } from '../../core/kernel/requirements';
import { bpfObjectPath } from '../../core/kernel/bpf-object';
import { resolveCgroup } from '../syscall/receiver';
import { perfSchema, type PerfConfig } from './config';
import { PerfReceiver } from './receiver';

/** Problems the schema cannot see: a zero interval. */
export function validatePerfConfig(config: Partial<PerfConfig>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (config.collection_interval !== undefined && parseDuration(config.collection_interval) <= 0) {
    problems.push({ path: '/collection_interval', message: 'must be more than 0' });
  }
  return problems;
}

/** Why this machine cannot run the receiver with `config`, or `undefined` when it can. */
export function probePerf(config: Partial<PerfConfig>): string | undefined {
  if (process.arch !== 'x64' && process.arch !== 'arm64') return `the perf receiver supports x86_64 and arm64 only, not ${process.arch}`;
  const unmet = unmetRequirement({
    capabilities: ['CAP_BPF', 'CAP_PERFMON'],
    btf: true,
    files: [{ path: bpfObjectPath('perf'), hint: 'run ./setup.sh (or make -C bpf) to build the BPF programs' }],
  });
  if (unmet) return unmet;
  if (config.cgroup !== undefined) {
    try {
      resolveCgroup(config.cgroup);
    } catch (err) {
      return (err as Error).message;
    }
  }
  return undefined;
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
