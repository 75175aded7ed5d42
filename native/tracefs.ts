/**
 * tracefs: classic tracepoints (`SEC("tracepoint/...")`) are attached by id,
 * read from tracefs; a fresh machine may not have it mounted. raw_tp and
 * tp_btf programs do not need it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { bpfError } from './errors';

/** Where tracefs is mounted on current kernels. */
export const TRACEFS_PATH = '/sys/kernel/tracing';
/** The older place, under debugfs. */
const DEBUGFS_TRACING_PATH = '/sys/kernel/debug/tracing';

/** Whether tracepoint ids can be read (tracefs mounted at either place). */
export function tracefsAvailable(): boolean {
  return existsSync(`${TRACEFS_PATH}/events`) || existsSync(`${DEBUGFS_TRACING_PATH}/events`);
}

/**
 * Makes sure tracefs is mounted, mounting it at /sys/kernel/tracing when it is
 * not (`mount -t tracefs nodev /sys/kernel/tracing`; needs root).
 * Returns `{ mounted: true }` when this call mounted it. Throws a BpfError
 * (`syscall: 'mount'`) when it cannot.
 */
export function ensureTracefs(): { mounted: boolean } {
  if (tracefsAvailable()) return { mounted: false };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw bpfError('EPERM', 'mount', TRACEFS_PATH, 'tracefs is not mounted and mounting it needs root: mount -t tracefs nodev /sys/kernel/tracing');
  }
  try {
    execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS_PATH], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw bpfError('ENODEV', 'mount', TRACEFS_PATH, `could not mount tracefs${stderr ? `: ${stderr}` : ''}`);
  }
  if (!tracefsAvailable()) throw bpfError('ENODEV', 'mount', TRACEFS_PATH, 'tracefs mounted but has no events/ (kernel without CONFIG_FTRACE?)');
  return { mounted: true };
}
