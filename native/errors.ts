/**
 * The error class of the native runtime: what native/index.ts throws for a
 * libbpf or kernel failure, and for arguments it refuses.
 */
import { constants } from 'node:os';
import type { NativeError } from './api';

/** The errno names this module knows, by value (from `os.constants.errno`). */
const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(constants.errno).map(([name, value]) => [value, name] as [number, string]),
);

/** A failure of libbpf or of the kernel: `code` is the errno name, `errno` the positive C value. */
export class BpfError extends Error implements NativeError {
  /** errno name: `EPERM`, `ENOENT`, ... */
  readonly code: string;
  /** The positive errno value, as in C (`os.constants.errno[code]`). */
  readonly errno: number;
  /** The libbpf call (or the step of this module) that failed. */
  readonly syscall: string;
  /** The program or map involved, when there is one. */
  readonly target?: string;
  /** The verifier's last lines, when the kernel rejected a program. */
  readonly verifierLog?: string;

  /** Builds an error; `message` is used as is. */
  constructor(message: string, fields: { code: string; errno: number; syscall: string; target?: string; verifierLog?: string }) {
    super(message);
    this.name = 'BpfError';
    this.code = fields.code;
    this.errno = fields.errno;
    this.syscall = fields.syscall;
    if (fields.target !== undefined) this.target = fields.target;
    if (fields.verifierLog !== undefined) this.verifierLog = fields.verifierLog;
  }
}

/** Whether `e` is an error of this module (a libbpf/kernel failure with `code` and `syscall`). */
export function isNativeError(e: unknown): e is NativeError {
  return e instanceof BpfError;
}

/**
 * A BpfError in the addon's message format: `syscall(target): CODE: detail`.
 * `code` is an errno name (`EINVAL`); its number comes from `os.constants.errno`.
 */
export function bpfError(code: string, syscall: string, target: string | undefined, detail: string): BpfError {
  const errno = (constants.errno as Record<string, number>)[code] ?? 0;
  const where = target === undefined ? syscall : `${syscall}(${target})`;
  return new BpfError(`${where}: ${code}: ${detail}`, { code, errno, syscall, ...(target === undefined ? {} : { target }) });
}

/**
 * Turns what the addon threw into a BpfError (keeping message, code, errno,
 * syscall, target, verifierLog). Other errors (TypeError from a bad call)
 * are returned unchanged.
 */
export function fromNative(e: unknown): unknown {
  if (e instanceof BpfError || !(e instanceof Error)) return e;
  const o = e as Error & Partial<NativeError>;
  if (typeof o.code !== 'string' || typeof o.errno !== 'number' || typeof o.syscall !== 'string') return e;
  const err = new BpfError(o.message, {
    code: o.code,
    errno: o.errno,
    syscall: o.syscall,
    ...(typeof o.target === 'string' ? { target: o.target } : {}),
    ...(typeof o.verifierLog === 'string' ? { verifierLog: o.verifierLog } : {}),
  });
  return err;
}

/** The errno name of a positive errno value (`2` -> `ENOENT`), or `EUNKNOWN`. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? 'EUNKNOWN';
}
