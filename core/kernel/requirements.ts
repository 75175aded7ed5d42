/**
 * What an eBPF receiver needs from this machine, checked at config time so a
 * config that cannot run fails with the reason (see ReceiverFactory.probe).
 */
import { existsSync } from 'node:fs';
import { BUILD_BPF_HINT, bpfObjectPath } from './bpf-object';
import { missingCapabilities, type Capability } from './capabilities';

/** The kernel's own BTF, needed for CO-RE and tp_btf. */
export const KERNEL_BTF_PATH = '/sys/kernel/btf/vmlinux';

/** What a receiver needs. */
export interface Requirements {
  capabilities: readonly Capability[];
  /** The kernel must expose BTF. */
  btf?: boolean;
  /** Files that must exist (a compiled BPF object, the native addon). */
  files?: ReadonlyArray<{ path: string; hint: string }>;
}

/** The first reason the requirements are not met, or `undefined` when they are. */
export function unmetRequirement(req: Requirements): string | undefined {
  if (process.platform !== 'linux') return `eBPF needs Linux (this is ${process.platform})`;
  const missing = missingCapabilities(req.capabilities);
  if (missing.length > 0) return `needs ${missing.join(', ')} (run as root or grant them, e.g. setcap)`;
  if (req.btf && !existsSync(KERNEL_BTF_PATH)) return `the kernel has no BTF (${KERNEL_BTF_PATH} is missing; needs CONFIG_DEBUG_INFO_BTF=y)`;
  for (const file of req.files ?? []) {
    if (!existsSync(file.path)) return `${file.path} is missing; ${file.hint}`;
  }
  return undefined;
}

/**
 * The first reason an eBPF receiver cannot run here (not Linux, missing
 * `capabilities`, no kernel BTF when `btf`, bpf/.output/`objectName`.bpf.o
 * not built), or `undefined` when it can.
 */
export function unmetBpfRequirement(objectName: string, capabilities: readonly Capability[], btf = true): string | undefined {
  return unmetRequirement({ capabilities, btf, files: [{ path: bpfObjectPath(objectName), hint: BUILD_BPF_HINT }] });
}
