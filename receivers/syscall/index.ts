/** The `syscall` receiver factory. */
import { defineReceiver, type ConfigProblem } from '../../core/component';
import { didYouMean } from '../../core/config/suggest';
import { syscallSchema, type SyscallConfig } from './config';
import { unmetBpfRequirement } from '../../core/kernel/requirements';
import { nonPositiveDurations } from '../../core/kernel/receiver-config';
import { SyscallReceiver } from './receiver';
import { cgroupProblem } from '../../core/kernel/cgroup';
import { isSupportedArch, syscallTable } from './syscall-table';

/** Problems the schema cannot see: syscall names unknown on this architecture, a zero interval. */
export function validateSyscallConfig(config: Partial<SyscallConfig>, arch: string = process.arch): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!isSupportedArch(arch)) {
    problems.push({ path: '', message: `the syscall receiver supports x86_64 and arm64 only, not ${arch}` });
    return problems;
  }
  const table = syscallTable(arch);
  (config.syscalls ?? []).forEach((name, i) => {
    if (table.ids.has(name)) return;
    const hint = didYouMean(name, table.ids.keys());
    problems.push({ path: `/syscalls/${i}`, message: `unknown syscall "${name}"${hint ? `; ${hint}` : ''}` });
  });
  problems.push(...nonPositiveDurations(config, ['collection_interval']));
  return problems;
}

/** Why this machine cannot run the receiver with `config`, or `undefined` when it can. */
export function probeSyscall(config: Partial<SyscallConfig>): string | undefined {
  if (!isSupportedArch()) return `the syscall receiver supports x86_64 and arm64 only, not ${process.arch}`;
  const unmet = unmetBpfRequirement('syscall', ['CAP_BPF', 'CAP_PERFMON']);
  return unmet ?? cgroupProblem(config.cgroup);
}

/** Counts, errors (by errno) and latency histograms of system calls, aggregated in the kernel; slow calls as spans. */
export const syscallReceiverFactory = defineReceiver<SyscallConfig>({
  type: 'syscall',
  signals: ['metrics', 'traces'],
  schema: syscallSchema,
  description: 'system call counts, errors and latency from eBPF; slow calls as spans',
  validate: (config) => validateSyscallConfig(config),
  probe: (config) => probeSyscall(config),
  create: (config, ctx) => new SyscallReceiver(config, ctx),
});
