/** The `syscall` receiver factory. */
import { defineReceiver, type ConfigProblem } from '../../core/component';
import { didYouMean } from '../../core/config/suggest';
import { parseDuration } from '../../core/config/duration';
import { syscallSchema, type SyscallConfig } from './config';
import { unmetRequirement } from '../../core/kernel/requirements';
import { resolveCgroup, SyscallReceiver } from './receiver';
import { isSupportedArch, syscallTable } from './syscall-table';
import { bpfObjectPath } from '../../core/kernel/bpf-object';

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
  if (config.collection_interval !== undefined && parseDuration(config.collection_interval) <= 0) {
    problems.push({ path: '/collection_interval', message: 'must be more than 0' });
  }
  return problems;
}

/** Why this machine cannot run the receiver with `config`, or `undefined` when it can. */
export function probeSyscall(config: Partial<SyscallConfig>): string | undefined {
  if (!isSupportedArch()) return `the syscall receiver supports x86_64 and arm64 only, not ${process.arch}`;
  const unmet = unmetRequirement({
    capabilities: ['CAP_BPF', 'CAP_PERFMON'],
    btf: true,
    files: [{ path: bpfObjectPath('syscall'), hint: 'run ./setup.sh (or make -C bpf) to build the BPF programs' }],
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
