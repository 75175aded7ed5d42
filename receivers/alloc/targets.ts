/**
 * Which files (and processes) the malloc-family probes go on: `binary`, or
 * the C library each pid maps (/proc/PID/maps), or the system's C library
 * (`ldconfig -p`, then the Debian path). Errors are messages naming the
 * setting to fix.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';

/** One file to hook, in one process (`pid`) or in every process that maps it. */
export interface ProbeTarget {
  binary: string;
  pid?: number;
}

/** What decides the targets: the config's settings of the same names. */
export interface TargetSettings {
  pids?: readonly number[];
  binary?: string;
  libc?: string;
}

/** The ldconfig tag of this architecture's C library. */
const LDCONFIG_ARCH: Record<string, string> = { x64: 'x86-64', arm64: 'AArch64' };
/** The Debian multiarch triplet of this architecture. */
const MULTIARCH: Record<string, string> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };

/** Whether a file name is a C library's (`libc.so.6`, `libc-2.31.so`). */
export function isLibcName(path: string): boolean {
  return /^libc(\.so(\.\d+)*|-[\d.]+\.so)$/.test(basename(path));
}

/** Why `path` cannot be hooked (missing, not a file, not ELF), or `undefined` when it can. */
export function unusableElf(path: string): string | undefined {
  if (!path.startsWith('/')) return `${path} is not an absolute path`;
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    return `${path} does not exist`;
  }
  if (!isFile) return `${path} is not a regular file`;
  const magic = Buffer.alloc(4);
  try {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, magic, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return `${path} cannot be read: ${(err as Error).message}`;
  }
  if (!magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return `${path} is not an ELF file`;
  return undefined;
}

/**
 * The C library process `pid` maps, as a path this process can open
 * (through /proc/PID/root when the target lives in another mount namespace);
 * `undefined` when it maps none. Throws when the process does not exist.
 */
export function libcOfPid(pid: number, procRoot = '/proc'): string | undefined {
  let maps: string;
  try {
    maps = readFileSync(`${procRoot}/${pid}/maps`, 'utf8');
  } catch {
    throw new Error(`process ${pid} does not exist`);
  }
  for (const line of maps.split('\n')) {
    const path = line.split(/\s+/).slice(5).join(' ');
    if (!path.startsWith('/') || !isLibcName(path)) continue;
    return existsSync(path) ? path : `${procRoot}/${pid}/root${path}`;
  }
  return undefined;
}

/** The system's C library: `ldconfig -p`'s libc.so.6 of this architecture, else the Debian path. */
export function systemLibc(arch: string = process.arch): string {
  const tag = LDCONFIG_ARCH[arch];
  try {
    const out = execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const line of out.split('\n')) {
      const m = /^\s*libc\.so\.6 \(([^)]*)\) => (\S+)$/.exec(line);
      if (m && (!tag || m[1].split(',').includes(tag)) && existsSync(m[2])) return m[2];
    }
  } catch {
    // no ldconfig: the default path below
  }
  return `/lib/${MULTIARCH[arch] ?? 'x86_64-linux-gnu'}/libc.so.6`;
}

/**
 * The probe targets for these settings; throws an Error whose message names
 * the setting (`binary: ...`, `libc: ...`, `pids: ...`).
 */
export function resolveTargets(settings: TargetSettings, procRoot = '/proc'): ProbeTarget[] {
  const pids = settings.pids ?? [];
  for (const [key, path] of [['binary', settings.binary], ['libc', settings.libc]] as const) {
    if (path === undefined) continue;
    const why = unusableElf(path);
    if (why) throw new Error(`${key}: ${why}`);
  }
  const fixed = settings.binary ?? settings.libc;
  if (pids.length === 0) {
    const binary = fixed ?? systemLibc();
    const why = unusableElf(binary);
    if (why) throw new Error(`libc: ${why}; set libc (or binary) to the file to hook`);
    return [{ binary }];
  }
  return pids.map((pid) => {
    let binary = fixed;
    if (!binary) {
      let libc: string | undefined;
      try {
        libc = libcOfPid(pid, procRoot);
      } catch (err) {
        throw new Error(`pids: ${(err as Error).message}`);
      }
      if (!libc) throw new Error(`pids: process ${pid} maps no C library (statically linked?); set binary to its executable`);
      binary = libc;
    } else if (!existsSync(`${procRoot}/${pid}`)) {
      throw new Error(`pids: process ${pid} does not exist`);
    }
    return { binary, pid };
  });
}
