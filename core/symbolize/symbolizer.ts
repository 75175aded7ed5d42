/**
 * The symbolizer: raw stack addresses to named frames.
 *
 * User addresses: /proc/PID/maps gives the mapping, the mapping's file offset
 * turns the address into a file offset, the ELF's PT_LOAD headers turn that
 * into the linked virtual address (PIE and ASLR alike), and the ELF symbol
 * tables name it. ELF files are read through /proc/PID/map_files (deleted
 * files, other mount namespaces), then /proc/PID/root, then the path itself.
 * Addresses in anonymous memory are looked up in the JIT's perf map.
 * Kernel addresses: /proc/kallsyms.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { fileOffsetToVaddr, readElf, type ElfInfo } from './elf';
import { KernelSymbols } from './kallsyms';
import { LruMap } from '../lru-map';
import { parsePerfMap } from './perf-map';
import { findMapping, parseExecMappings, type ExecMapping } from './proc-maps';
import type { SymbolTable } from './symbol-table';
import type { Frame, Symbolizer, SymbolizerOptions, SymbolizerStats } from './types';

/** Default {@link SymbolizerOptions.maxProcesses}. */
export const DEFAULT_MAX_PROCESSES = 4096;
/** Default {@link SymbolizerOptions.maxElfFiles}. */
export const DEFAULT_MAX_ELF_FILES = 256;
/** kallsyms is read again on a miss at most this often (modules and BPF programs come and go). */
const KALLSYMS_REFRESH_MS = 60_000;
/**
 * Default {@link SymbolizerOptions.maxCachedFrames}: frames kept for reuse
 * (user frames per process and address, kernel frames per address). The
 * same stacks come back every interval: a cached frame costs one map lookup.
 */
export const DEFAULT_MAX_CACHED_FRAMES = 65_536;
/** Mappings that are neither files nor JIT code (no perf map names them). */
const SPECIAL_MAPPINGS = new Set(['[vdso]', '[vsyscall]', '[uprobes]']);
/** Bytes of the vDSO's ELF header read to tell one vDSO image from another. */
const ELF_HEADER_BYTES = 64;
/**
 * A mapped file whose path was found to still name it (so it can be read
 * after the process exits) is not checked again for this long: a new process
 * mapping the same libraries costs no `stat` per library.
 */
const PATH_CHECK_MS = 10_000;
/** Size of the buffer /proc/PID/maps is read into (kept between reads; a larger one is used once and let go). */
const MAPS_BUFFER_BYTES = 64 * 1024;

/** The module of kernel frames. */
export const KERNEL_MODULE = '[kernel]';
/** The module of perf-map (JIT) frames. */
export const JIT_MODULE = '[jit]';
/** The maps name of the vDSO: an ELF image the kernel maps in every process, read from its memory. */
const VDSO = '[vdso]';
/** The module of addresses in no known mapping. */
export const UNKNOWN_MODULE = '[unknown]';

interface PerfMapState {
  table: SymbolTable;
  path: string;
  mtimeMs: number;
  size: number;
}

interface ProcessState {
  /** Its executable mappings when its maps were last read (only they matter here: a change elsewhere is no change). */
  mappings: ExecMapping[];
  /** Whether the last read of its maps succeeded. */
  alive: boolean;
  /** Its pid inside its own pid namespace (a container's), which names its perf map there; read when first needed. */
  namespacePid?: number;
  perfMap?: PerfMapState;
  /** Frames of file-backed addresses by address (bounded by {@link DEFAULT_MAX_CACHED_FRAMES} in all). */
  frames?: Map<number, Frame>;
}

function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const EXECUTABLE = 0x78; // 'x'

/** The lines of maps text in `buffer[0, length)` whose permissions (4 characters after the first space) say executable. */
function executableLines(buffer: Buffer, length: number): string {
  let text = '';
  for (let start = 0; start < length; ) {
    let end = buffer.indexOf(NEWLINE, start);
    if (end < 0 || end > length) end = length;
    const space = buffer.indexOf(SPACE, start);
    if (space >= 0 && space + 3 < end && buffer[space + 3] === EXECUTABLE) text += buffer.toString('utf8', start, Math.min(end + 1, length));
    start = end + 1;
  }
  return text;
}

function sameMappings(a: readonly ExecMapping[], b: readonly ExecMapping[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.start !== y.start || x.end !== y.end || x.fileOffset !== y.fileOffset || x.fileId !== y.fileId || x.path !== y.path || x.deleted !== y.deleted) {
      return false;
    }
  }
  return true;
}

class ProcSymbolizer implements Symbolizer {
  private readonly procRoot: string;
  private readonly processes: LruMap<number, ProcessState>;
  /** ELF contents by build-id (`b:`) or file id (`f:`); null = could not be read. */
  private readonly elfFiles: LruMap<string, ElfInfo | null>;
  /** File id (`dev:inode`) -> the key its contents are cached under. */
  private readonly elfKeys: LruMap<string, string>;
  /** File id -> when its path was last found to name it ({@link PATH_CHECK_MS}). */
  private readonly pathChecks: LruMap<string, number>;
  /** A process's first mapped file and its vDSO size -> its vDSO image id ({@link vdsoId}). */
  private readonly vdsoIds: LruMap<string, string>;
  private kernel: KernelSymbols | undefined;
  private kernelReadAt = 0;
  private readonly counters: SymbolizerStats = { unknownFrames: 0, unmappedFrames: 0, unreadableFiles: 0 };
  private readonly maxCachedFrames: number;
  /** User frames cached in all processes' `frames`. */
  private cachedFrames = 0;
  /** Kernel frames by address (cleared when kallsyms is read again or the bound is reached). */
  private kernelFrames = new Map<bigint, Frame>();
  /** Reused for every read of a maps file (a new Buffer per read is garbage, and external memory that brings GCs). */
  private readonly mapsBuffer = Buffer.allocUnsafe(MAPS_BUFFER_BYTES);

  constructor(options: SymbolizerOptions) {
    this.procRoot = options.procRoot ?? '/proc';
    this.maxCachedFrames = options.maxCachedFrames ?? DEFAULT_MAX_CACHED_FRAMES;
    this.processes = new LruMap(options.maxProcesses ?? DEFAULT_MAX_PROCESSES);
    const maxElf = options.maxElfFiles ?? DEFAULT_MAX_ELF_FILES;
    this.elfFiles = new LruMap(maxElf);
    this.elfKeys = new LruMap(maxElf * 4);
    this.pathChecks = new LruMap(maxElf * 4);
    this.vdsoIds = new LruMap(maxElf);
  }

  observe(pid: number, executableMaps?: string): void {
    this.refresh(pid, false, executableMaps || undefined);
  }

  /**
   * Reads `pid`'s maps again (or takes `executableMaps`, read already);
   * returns its state (kept as it was when the process is gone). `likelyGone`:
   * look whether it still exists first (no exception when it does not; an
   * `access` more when it does).
   */
  private refresh(pid: number, likelyGone = false, executableMaps?: string): ProcessState | undefined {
    const known = this.processes.get(pid);
    let mappings: ExecMapping[] | undefined;
    try {
      if (executableMaps !== undefined) mappings = parseExecMappings(executableMaps);
      else if (!likelyGone || existsSync(`${this.procRoot}/${pid}/maps`)) mappings = parseExecMappings(this.readExecutableMaps(pid));
    } catch {
      // gone
    }
    // No executable mapping at all: an exiting process (its memory already released, a sample in its exit
    // path announced it again) or a zombie; what was read while it lived is kept.
    if (mappings === undefined || (mappings.length === 0 && known !== undefined)) {
      if (known !== undefined) known.alive = false;
      return known;
    }
    if (known !== undefined && sameMappings(known.mappings, mappings)) {
      known.alive = true;
      return known;
    }
    const state: ProcessState = { mappings, alive: true };
    let jitMemory = false;
    for (const m of state.mappings) {
      if (m.fileBacked) this.prepareFile(m, pid);
      else if (m.path === VDSO) this.elfFor(pid, m, mappings);
      else if (!SPECIAL_MAPPINGS.has(m.path)) jitMemory = true;
    }
    if (known?.perfMap !== undefined) {
      state.perfMap = known.perfMap;
      state.namespacePid = known.namespacePid;
    }
    // Only code in anonymous executable memory is named by a perf map: most processes have none (no stat, no status read).
    if (jitMemory) this.loadPerfMap(pid, state);
    this.processes.set(pid, state);
    return state;
  }

  /** The executable lines of /proc/PID/maps (the others are never made strings); throws when the process is gone. */
  private readExecutableMaps(pid: number): string {
    const fd = openSync(`${this.procRoot}/${pid}/maps`, 'r');
    try {
      let buffer = this.mapsBuffer;
      let length = 0;
      for (;;) {
        if (length === buffer.length) {
          const larger = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(larger);
          buffer = larger;
        }
        const n = readSync(fd, buffer, length, buffer.length - length, null);
        if (n === 0) return executableLines(buffer, length);
        length += n;
      }
    } finally {
      closeSync(fd);
    }
  }

  symbolizeUser(pid: number, addresses: readonly bigint[]): Frame[] {
    let state = this.processes.get(pid) ?? this.refresh(pid);
    let refreshed = false;
    let perfMapChecked = false;
    const elfOfMapping = new Map<ExecMapping, ElfInfo | null>();
    const frames: Frame[] = [];
    for (const address of addresses) {
      const at = Number(address);
      let mapping = state === undefined ? undefined : findMapping(state.mappings, at);
      if (mapping === undefined && !refreshed && state?.alive !== false) {
        // New code mapped since the last look (dlopen, a new JIT region) or a pid never observed.
        refreshed = true;
        state = this.refresh(pid, true);
        mapping = state === undefined ? undefined : findMapping(state.mappings, at);
      }
      if (mapping !== undefined && (mapping.fileBacked || mapping.path === VDSO)) {
        const cached = state!.frames?.get(at);
        if (cached !== undefined) {
          if (cached.kind === 'unknown') this.counters.unknownFrames++;
          frames.push(cached);
          continue;
        }
        let elf = elfOfMapping.get(mapping);
        if (elf === undefined) {
          elf = this.elfFor(pid, mapping, state!.mappings);
          elfOfMapping.set(mapping, elf);
        }
        const frame = this.fileFrame(mapping, elf, address);
        this.cacheFrame(state!, at, frame);
        frames.push(frame);
        continue;
      }
      if (state !== undefined) {
        let jit = state.perfMap?.table.lookup(at);
        if (jit === undefined && !perfMapChecked) {
          perfMapChecked = true;
          if (this.loadPerfMap(pid, state)) jit = state.perfMap?.table.lookup(at);
        }
        if (jit !== undefined) {
          frames.push({ name: jit.name, module: JIT_MODULE, address, offset: address, kind: 'jit' });
          continue;
        }
      }
      if (mapping !== undefined) {
        this.counters.unknownFrames++;
        const offset = address - BigInt(mapping.start);
        frames.push({ name: `${mapping.path}+${hex(offset)}`, module: mapping.path, address, offset, kind: 'unknown' });
      } else {
        this.counters.unmappedFrames++;
        frames.push({ name: `${UNKNOWN_MODULE}+${hex(address)}`, module: UNKNOWN_MODULE, address, offset: address, kind: 'unknown' });
      }
    }
    return frames;
  }

  /** Keeps `frame` for `at` in `state`; past the bound, every process's cache is dropped and filling starts over. */
  private cacheFrame(state: ProcessState, at: number, frame: Frame): void {
    if (this.cachedFrames >= this.maxCachedFrames) {
      for (const p of this.processes.values()) p.frames = undefined;
      this.cachedFrames = 0;
    }
    (state.frames ??= new Map()).set(at, frame);
    this.cachedFrames++;
  }

  private fileFrame(mapping: ExecMapping, elf: ElfInfo | null, address: bigint): Frame {
    const fileOffset = Number(address) - mapping.start + mapping.fileOffset;
    const vaddr = elf === null ? undefined : fileOffsetToVaddr(elf.loads, fileOffset);
    const offset = BigInt(vaddr ?? fileOffset);
    const hit = vaddr === undefined || elf === null ? undefined : elf.symbols.lookup(vaddr);
    if (hit !== undefined) return { name: hit.name, module: mapping.path, address, offset, kind: 'user' };
    this.counters.unknownFrames++;
    return { name: `${basename(mapping.path)}+${hex(offset)}`, module: mapping.path, address, offset, kind: 'unknown' };
  }

  /**
   * Makes sure a mapped file can be read after the process exits: read now
   * unless it is cached, or its path still names the same file (then it is
   * read when a frame first falls in it: most mapped libraries never are).
   */
  private prepareFile(mapping: ExecMapping, pid: number): void {
    const key = this.elfKeys.peek(mapping.fileId);
    if (key !== undefined && this.elfFiles.peek(key) !== undefined) return;
    if (!mapping.deleted) {
      const checked = this.pathChecks.peek(mapping.fileId);
      const now = Date.now();
      if (checked !== undefined && now - checked < PATH_CHECK_MS) return;
      try {
        if (statSync(mapping.path, { throwIfNoEntry: false })?.ino === mapping.inode) {
          this.pathChecks.set(mapping.fileId, now);
          return;
        }
      } catch {
        // unreachable from here (permissions, another mount namespace): read it through the process now
      }
    }
    this.elfFor(pid, mapping, []);
  }

  /** The ELF contents of a mapped file (or the vDSO: `mappings` are the process's), cached; null when it cannot be read. */
  private elfFor(pid: number, mapping: ExecMapping, mappings: readonly ExecMapping[]): ElfInfo | null {
    const fileId = mapping.fileBacked ? mapping.fileId : this.vdsoId(pid, mapping, mappings);
    const key = this.elfKeys.get(fileId);
    if (key !== undefined) {
      const cached = this.elfFiles.get(key);
      if (cached !== undefined) return cached;
    }
    const elf = mapping.fileBacked ? this.readMappedElf(pid, mapping) : this.readVdso(pid, mapping);
    if (elf === null) {
      if (key === undefined) this.counters.unreadableFiles++;
      const failedKey = key ?? `f:${fileId}`;
      this.elfKeys.set(fileId, failedKey);
      this.elfFiles.set(failedKey, null);
      return null;
    }
    const newKey = elf.buildId !== undefined ? `b:${elf.buildId}` : `f:${fileId}`;
    this.elfKeys.set(fileId, newKey);
    this.elfFiles.set(newKey, elf);
    return elf;
  }

  private readMappedElf(pid: number, mapping: ExecMapping): ElfInfo | null {
    const candidates: { path: string; checkInode: boolean }[] = [
      { path: `${this.procRoot}/${pid}/map_files/${mapping.start.toString(16)}-${mapping.end.toString(16)}`, checkInode: false },
      { path: `${this.procRoot}/${pid}/root${mapping.path}`, checkInode: false },
    ];
    // The path as this process sees it: only if it is still the same file (the process may be gone).
    if (!mapping.deleted) candidates.push({ path: mapping.path, checkInode: true });
    for (const c of candidates) {
      let fd: number;
      try {
        fd = openSync(c.path, 'r');
      } catch {
        continue;
      }
      try {
        if (c.checkInode && fstatSync(fd).ino !== mapping.inode) continue;
        return readElf(fd);
      } catch {
        continue;
      } finally {
        closeSync(fd);
      }
    }
    return null;
  }

  /** The last NSpid of /proc/PID/status: the pid the process sees itself as; `pid` when unknown. */
  private namespacePid(pid: number): number {
    try {
      const m = /^NSpid:\s*(.*)$/m.exec(readFileSync(`${this.procRoot}/${pid}/status`, 'latin1'));
      const last = m?.[1]!.trim().split(/\s+/).pop();
      return last === undefined ? pid : Number(last);
    } catch {
      return pid;
    }
  }

  /**
   * What identifies a process's vDSO image: its size and ELF header (the
   * same kernel maps the same image in every process of an ABI), read from
   * its memory: 64 bytes instead of the whole image for each new process.
   * Processes whose first mapped file is the same (their executable, as a
   * rule) have the same ABI, so the same image: the header is read once per
   * executable. Per process and address when the header cannot be read.
   */
  private vdsoId(pid: number, mapping: ExecMapping, mappings: readonly ExecMapping[]): string {
    const size = mapping.end - mapping.start;
    const code = mappings.find((m) => m.fileBacked);
    const abiKey = code === undefined ? undefined : `${code.fileId}:${size}`;
    const known = abiKey === undefined ? undefined : this.vdsoIds.get(abiKey);
    if (known !== undefined) return known;
    const header = Buffer.alloc(ELF_HEADER_BYTES);
    let fd: number | undefined;
    try {
      fd = openSync(`${this.procRoot}/${pid}/mem`, 'r');
      if (readSync(fd, header, 0, ELF_HEADER_BYTES, mapping.start) === ELF_HEADER_BYTES) {
        const id = `${mapping.path}:${size}:${header.toString('hex')}`;
        if (abiKey !== undefined) this.vdsoIds.set(abiKey, id);
        return id;
      }
    } catch {
      // not readable (gone, no permission): per process
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return `${mapping.path}:${pid}:${mapping.start}`;
  }

  /** The vDSO image of a live process, from its memory. */
  private readVdso(pid: number, mapping: ExecMapping): ElfInfo | null {
    let fd: number;
    try {
      fd = openSync(`${this.procRoot}/${pid}/mem`, 'r');
    } catch {
      return null;
    }
    try {
      return readElf(fd, { base: mapping.start, size: mapping.end - mapping.start });
    } catch {
      return null;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Reads the process's perf map when it appeared or changed; true when a new
   * one was read. The JIT names it by the pid it sees (its namespace's) in the
   * /tmp it sees (through /proc/PID/root).
   */
  private loadPerfMap(pid: number, state: ProcessState): boolean {
    state.namespacePid ??= this.namespacePid(pid);
    const paths = [`${this.procRoot}/${pid}/root/tmp/perf-${state.namespacePid}.map`, `/tmp/perf-${pid}.map`];
    for (const path of paths) {
      let stat;
      try {
        // Most processes have no perf map: no Error object (with its stack) for each miss.
        stat = statSync(path, { throwIfNoEntry: false });
      } catch {
        continue;
      }
      if (stat === undefined) continue;
      const old = state.perfMap;
      if (old !== undefined && old.mtimeMs === stat.mtimeMs && old.size === stat.size) return false;
      try {
        state.perfMap = { table: parsePerfMap(readFileSync(path, 'utf8')), path, mtimeMs: stat.mtimeMs, size: stat.size };
        return true;
      } catch {
        continue;
      }
    }
    return false;
  }

  symbolizeKernel(addresses: readonly bigint[]): Frame[] {
    let kernel = this.kernelSymbols();
    const frames: Frame[] = [];
    for (const address of addresses) {
      const cached = this.kernelFrames.get(address);
      if (cached !== undefined) {
        frames.push(cached);
        continue;
      }
      let hit = kernel.lookup(address);
      if (hit === undefined && Date.now() - this.kernelReadAt > KALLSYMS_REFRESH_MS) {
        kernel = this.kernelSymbols(true);
        hit = kernel.lookup(address);
      }
      const offset = kernel.usable ? address - kernel.textBase : address;
      let frame: Frame;
      if (hit !== undefined) {
        frame = { name: hit.name, module: KERNEL_MODULE, address, offset, kind: 'kernel' };
        // Unknown addresses are not kept: a module or BPF program may name them after the next kallsyms read.
        if (this.kernelFrames.size >= this.maxCachedFrames) this.kernelFrames.clear();
        this.kernelFrames.set(address, frame);
      } else {
        this.counters.unknownFrames++;
        frame = { name: `${KERNEL_MODULE}+${hex(offset)}`, module: KERNEL_MODULE, address, offset, kind: 'unknown' };
      }
      frames.push(frame);
    }
    return frames;
  }

  private kernelSymbols(reload = false): KernelSymbols {
    if (this.kernel === undefined || reload) {
      this.kernelReadAt = Date.now();
      this.kernelFrames = new Map();
      try {
        this.kernel = KernelSymbols.parse(readFileSync(`${this.procRoot}/kallsyms`, 'latin1'));
      } catch {
        this.kernel ??= KernelSymbols.parse('');
      }
    }
    return this.kernel;
  }

  stats(): SymbolizerStats {
    return { ...this.counters };
  }
}

/** Creates a {@link Symbolizer} reading procfs (`options.procRoot`, default /proc). */
export function createSymbolizer(options: SymbolizerOptions = {}): Symbolizer {
  return new ProcSymbolizer(options);
}
