/** The process's effective Linux capabilities, read from /proc/self/status. */
import { readFileSync } from 'node:fs';

/** Capability numbers (linux/capability.h) that eBPF receivers need. */
export const CAPABILITIES = {
  CAP_NET_ADMIN: 12,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_RESOURCE: 24,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
} as const;

/** A capability name. */
export type Capability = keyof typeof CAPABILITIES;

/** The effective capability mask of this process (0n when it cannot be read). */
export function effectiveCapabilities(statusText?: string): bigint {
  let text = statusText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/status', 'utf8');
    } catch {
      return 0n;
    }
  }
  const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(text);
  return match ? BigInt(`0x${match[1]}`) : 0n;
}

/**
 * The capabilities of `needed` this process lacks. CAP_SYS_ADMIN stands in
 * for CAP_BPF and CAP_PERFMON, as on kernels before 5.8.
 */
export function missingCapabilities(needed: readonly Capability[], mask: bigint = effectiveCapabilities()): Capability[] {
  const has = (cap: Capability): boolean => (mask & (1n << BigInt(CAPABILITIES[cap]))) !== 0n;
  return needed.filter((cap) => {
    if (has(cap)) return false;
    return !((cap === 'CAP_BPF' || cap === 'CAP_PERFMON') && has('CAP_SYS_ADMIN'));
  });
}
