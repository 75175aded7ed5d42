/** The `alloc` receiver factory. */
import { defineReceiver, type ConfigProblem } from '../../core/component';
import { unmetBpfRequirement } from '../../core/kernel/requirements';
import { nonPositiveDurations } from '../../core/kernel/receiver-config';
import { allocSchema, type AllocConfig } from './config';
import { AllocReceiver } from './receiver';
import { resolveTargets, unusableElf } from './targets';

/** Problems the schema cannot see: a zero interval, a `binary` or `libc` that is no ELF file. */
export function validateAllocConfig(config: Partial<AllocConfig>): ConfigProblem[] {
  const problems = nonPositiveDurations(config, ['collection_interval']);
  for (const key of ['binary', 'libc'] as const) {
    const path = config[key];
    if (path === undefined) continue;
    const why = unusableElf(path);
    if (why) problems.push({ path: `/${key}`, message: why });
  }
  if (config.binary !== undefined && config.libc !== undefined) {
    problems.push({ path: '/libc', message: 'set binary or libc, not both (binary replaces the C library as the file hooked)' });
  }
  return problems;
}

/** Why this machine cannot run the receiver with `config` (privileges, object, targets), or `undefined` when it can. */
export function probeAlloc(config: Partial<AllocConfig>): string | undefined {
  const unmet = unmetBpfRequirement('alloc', ['CAP_BPF', 'CAP_PERFMON'], config.kernel === true); // the kmalloc program is tp_btf
  if (unmet) return unmet;
  try {
    resolveTargets(config);
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

/** Allocations, frees and outstanding bytes per process from uprobes on the malloc family; leak reports as logs and profiles. */
export const allocReceiverFactory = defineReceiver<AllocConfig>({
  type: 'alloc',
  signals: ['metrics', 'logs'],
  schema: allocSchema,
  description: 'malloc-family allocations, frees and outstanding bytes per process from eBPF uprobes; leak reports as logs and pprof',
  validate: (config) => validateAllocConfig(config),
  probe: (config) => probeAlloc(config),
  create: (config, ctx) => new AllocReceiver(config, ctx),
});
