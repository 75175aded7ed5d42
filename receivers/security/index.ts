/** The `security` receiver factory. */
import { defineReceiver, type ConfigProblem } from '../../core/component';
import { didYouMean } from '../../core/config/suggest';
import { unmetBpfRequirement } from '../../core/kernel/requirements';
import { nonPositiveDurations } from '../../core/kernel/receiver-config';
import { isSupportedArch } from '../syscall/syscall-table';
import { MAX_WATCHED_PATH_BYTES, securitySchema, type SecurityConfig } from './config';
import { SECURITY_EVENT_NAMES } from './events';
import { SecurityReceiver } from './receiver';

/** Problems the schema cannot see: unknown event names, bad path prefixes, sizes that are not powers of two, zero intervals. */
export function validateSecurityConfig(config: Partial<SecurityConfig>, arch: string = process.arch): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!isSupportedArch(arch)) problems.push({ path: '', message: `the security receiver supports x86_64 and arm64 only, not ${arch}` });
  const known = new Set<string>(SECURITY_EVENT_NAMES);
  (config.events ?? []).forEach((name, i) => {
    if (known.has(name)) return;
    const hint = didYouMean(name, SECURITY_EVENT_NAMES);
    problems.push({ path: `/events/${i}`, message: `unknown event "${name}"${hint ? `; ${hint}` : ''} (known: ${SECURITY_EVENT_NAMES.join(', ')})` });
  });
  (config.watched_paths ?? []).forEach((prefix, i) => {
    const at = `/watched_paths/${i}`;
    if (!prefix.startsWith('/')) problems.push({ path: at, message: `"${prefix}" is not an absolute path prefix (it must start with /)` });
    else if (prefix.includes('\0')) problems.push({ path: at, message: 'a path prefix cannot hold a NUL byte' });
    else if (Buffer.byteLength(prefix) > MAX_WATCHED_PATH_BYTES) problems.push({ path: at, message: `"${prefix.slice(0, 40)}..." is longer than ${MAX_WATCHED_PATH_BYTES} bytes` });
  });
  const size = config.ring_buffer_size;
  if (size !== undefined && (size & (size - 1)) !== 0) problems.push({ path: '/ring_buffer_size', message: `${size} is not a power of two` });
  problems.push(...nonPositiveDurations(config, ['collection_interval', 'exited_grace']));
  return problems;
}

/** Why this machine cannot run the receiver, or `undefined` when it can. */
export function probeSecurity(): string | undefined {
  if (!isSupportedArch()) return `the security receiver supports x86_64 and arm64 only, not ${process.arch}`;
  return unmetBpfRequirement('security', ['CAP_BPF', 'CAP_PERFMON']);
}

/** Process lifecycle and security-relevant syscalls from eBPF, with process ancestry, as log records. */
export const securityReceiverFactory = defineReceiver<SecurityConfig>({
  type: 'security',
  signals: ['logs'],
  schema: securitySchema,
  description: 'process exec/exit and security-relevant syscalls (file opens of watched paths, set*id, ptrace, module and BPF loads, ...) with process ancestry, from eBPF',
  validate: (config) => validateSecurityConfig(config),
  probe: () => probeSecurity(),
  create: (config, ctx) => new SecurityReceiver(config, ctx),
});
