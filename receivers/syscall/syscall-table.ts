/** Syscall and errno names of the running architecture. */
import { ARM64_SYSCALLS, COMMON_SYSCALLS, X86_64_SYSCALLS } from './syscall-names';
import { ERRNO_NAMES } from './errno-names';

/** Architectures with a syscall table, as `process.arch` names them. */
export type SyscallArch = 'x64' | 'arm64';

/** Names by id and ids by name for one architecture. */
export interface SyscallTable {
  arch: SyscallArch;
  names: ReadonlyMap<number, string>;
  ids: ReadonlyMap<string, number>;
}

const tables = new Map<SyscallArch, SyscallTable>();

/** Whether `arch` (default: this process's) has a syscall table. */
export function isSupportedArch(arch: string = process.arch): arch is SyscallArch {
  return arch === 'x64' || arch === 'arm64';
}

/** The table of `arch` (default: this process's); throws for an architecture without one. */
export function syscallTable(arch: string = process.arch): SyscallTable {
  if (!isSupportedArch(arch)) throw new Error(`no syscall table for architecture ${arch} (x64 and arm64 are supported)`);
  let table = tables.get(arch);
  if (!table) {
    const rows = [...(arch === 'x64' ? X86_64_SYSCALLS : ARM64_SYSCALLS), ...COMMON_SYSCALLS];
    table = { arch, names: new Map(rows), ids: new Map(rows.map(([id, name]) => [name, id])) };
    tables.set(arch, table);
  }
  return table;
}

/** The name of syscall `id`, or `syscall_<id>` when the table does not know it. */
export function syscallName(table: SyscallTable, id: number): string {
  return table.names.get(id) ?? `syscall_${id}`;
}

const errnoNames = new Map(ERRNO_NAMES);

/** The name of a positive errno (`9` -> `EBADF`), or the number as a string when unknown. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? String(errno);
}
