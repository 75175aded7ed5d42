/**
 * The typed front of the native eBPF runtime (native/build/Release/ebpf_native.node,
 * C++ over libbpf). The only module that loads the addon: it checks arguments,
 * turns native failures into {@link BpfError}s and implements the contract of
 * ./api.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type {
  AttachSpec,
  BpfMap,
  BpfObject,
  ConstValue,
  Link,
  MapInfo,
  ProgramStats,
  RecordBatch,
  RingBufferOptions,
  RingBufferReader,
} from './api';
import { type BpfError, bpfError, fromNative } from './errors';
import { ensureTracefs } from './tracefs';

export { BpfError, isNativeError } from './errors';
export { ensureTracefs, tracefsAvailable } from './tracefs';

// ---- the addon's raw shape (private) ---------------------------------------------

interface RawMapInfo extends MapInfo {
  internal: boolean;
}

interface RawConstInfo {
  size: number;
  kind: 'int' | 'bool' | 'enum' | 'char_array' | 'array' | 'struct' | 'union' | 'pointer' | 'float' | 'other';
  signed: boolean;
  elemSize: number;
  count: number;
}

interface RawLink {
  readonly program: string;
  readonly description: string;
  readonly destroyed: boolean;
  destroy(): void;
}

interface RawMap {
  info(): RawMapInfo;
  lookup(key: Buffer): Buffer | undefined;
  update(key: Buffer, value: Buffer, flags: number): void;
  delete(key: Buffer): boolean;
  entries(): Array<[Buffer, Buffer]>;
  clear(): void;
}

interface RawReader {
  readonly delivered: number;
  readonly batches: number;
  readonly closed: boolean;
  takePending(): [Buffer, number] | undefined;
  close(): Promise<void>;
}

interface RawProgramStats extends ProgramStats {
  id: number;
}

interface RawObject {
  readonly path: string;
  readonly phase: 'opened' | 'loading' | 'loaded' | 'failed' | 'closed';
  programs(): string[];
  programDetails(): ProgramDetails[];
  maps(): RawMapInfo[];
  constInfo(name: string): RawConstInfo;
  setConstBytes(name: string, value: Buffer): void;
  setMaxEntries(map: string, maxEntries: number): void;
  setAutoload(program: string, autoload: boolean): void;
  load(): Promise<void>;
  attach(program: string, spec: Record<string, unknown>): RawLink;
  map(name: string): RawMap;
  readRingBuffer(
    map: string,
    onBatch: (buffer: Buffer | null, count: number, error?: Error) => void,
    maxBatchBytes: number,
    maxLatencyMs: number,
    pollMs: number,
    mapsPidOffset: number,
  ): RawReader;
  programStats(program: string): RawProgramStats;
  close(): void;
}

interface Addon {
  openObject(path: string): RawObject;
  possibleCpus(): number;
  onlineCpus(): number[];
  enableStats(): { close(): void; readonly closed: boolean };
  setLogHandler(fn: ((level: LogLevel, line: string) => void) | null, minLevel?: LogLevel): void;
  droppedLogLines(): bigint;
  tcDefaults: { priority: number; handlePrefix: number };
  tcDefaultHandle(program: string): number;
  libbpfVersion: string;
}

// ---- loading the addon -------------------------------------------------------------

/** The addon file, relative to this file from native/ (sources) or dist/native/ (tsc output). */
const ADDON_CANDIDATES = [
  join(__dirname, 'build', 'Release', 'ebpf_native.node'),
  join(__dirname, '..', 'build', 'Release', 'ebpf_native.node'),
  join(__dirname, '..', '..', 'native', 'build', 'Release', 'ebpf_native.node'),
];

let loaded: { addon: Addon } | { reason: string } | undefined;

function load(): { addon: Addon } | { reason: string } {
  if (loaded) return loaded;
  if (process.platform !== 'linux') {
    loaded = { reason: `eBPF needs Linux; this is ${process.platform}` };
    return loaded;
  }
  const file = ADDON_CANDIDATES.find((p) => existsSync(p));
  if (!file) {
    loaded = { reason: 'the native addon is not built: run `npm run build:native` (node-gyp rebuild -C native)' };
    return loaded;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = { addon: require(file) as Addon };
  } catch (e) {
    loaded = { reason: `the native addon ${file} does not load: ${(e as Error).message}` };
  }
  return loaded;
}

function addon(): Addon {
  const l = load();
  if ('reason' in l) throw bpfError('ENOSYS', 'dlopen', 'ebpf_native.node', l.reason);
  return l.addon;
}

/** Calls into the addon, turning what it throws into a BpfError. */
function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fromNative(e);
  }
}

/**
 * Whether the native runtime can be used here: `{ ok: false, reason }` when
 * the addon is not built, does not load, or this is not Linux.
 */
export function nativeAvailable(): { ok: true } | { ok: false; reason: string } {
  const l = load();
  return 'reason' in l ? { ok: false, reason: l.reason } : { ok: true };
}

/** The libbpf version the addon was built against (`"1.1"`). */
export function libbpfVersion(): string {
  return addon().libbpfVersion;
}

// ---- argument checks -------------------------------------------------------------------

function argError(what: string, detail: string): BpfError {
  return bpfError('EINVAL', what, undefined, detail);
}

function checkName(value: unknown, what: string, arg: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw argError(what, `${arg} must be a non-empty string`);
}

function checkInt(value: unknown, what: string, arg: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw argError(what, `${arg} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
}

function checkBuffer(value: unknown, what: string, arg: string): asserts value is Buffer {
  if (!Buffer.isBuffer(value)) throw argError(what, `${arg} must be a Buffer`);
}

// ---- public module functions -------------------------------------------------------------

/** Number of possible CPUs (the length of per-CPU map values). */
export function possibleCpus(): number {
  return call(() => addon().possibleCpus());
}

/** The online CPUs (from /sys/devices/system/cpu/online). */
export function onlineCpus(): number[] {
  return call(() => addon().onlineCpus());
}

/** A libbpf log level. */
export type LogLevel = 'warn' | 'info' | 'debug';

/**
 * Routes libbpf's log lines to `fn` (called on the JS thread, never blocking
 * the printer; lines are dropped when 1024 are already waiting). `null`
 * silences libbpf (the default: nothing is printed to stderr). Lines less
 * important than `minLevel` (default `info`) are not forwarded.
 * A load failure carries its verifier log on the error in any case.
 */
export function setLogHandler(fn: ((level: LogLevel, line: string) => void) | null, minLevel: LogLevel = 'info'): void {
  if (fn !== null && typeof fn !== 'function') throw argError('setLogHandler', 'the handler must be a function or null');
  if (minLevel !== 'warn' && minLevel !== 'info' && minLevel !== 'debug') throw argError('setLogHandler', "minLevel must be 'warn', 'info' or 'debug'");
  call(() => addon().setLogHandler(fn, minLevel));
}

/** libbpf log lines dropped so far because the JS handler was behind. */
export function droppedLogLines(): bigint {
  return call(() => addon().droppedLogLines());
}

/** Holds BPF run-time statistics on (`bpf_enable_stats(BPF_STATS_RUN_TIME)`) until closed. */
export interface StatsHandle {
  /** Turns statistics off again (for this holder; the kernel counts holders). Idempotent. */
  close(): void;
}

/**
 * Turns on the kernel's per-program run statistics (run count, run time) so
 * that {@link BpfObject.programStats} counts. Costs a little per program run.
 * Throws a BpfError (EPERM without CAP_SYS_ADMIN, EINVAL on old kernels).
 */
export function enableStats(): StatsHandle {
  const h = call(() => addon().enableStats());
  return { close: () => h.close() };
}

/** The defaults of a tc attachment: priority 0xeb9f, handle 0xeb9fXXXX where XXXX hashes the program name. */
export function tcDefaults(program: string): { priority: number; handle: number } {
  checkName(program, 'tcDefaults', 'program');
  const a = addon();
  return { priority: a.tcDefaults.priority, handle: a.tcDefaultHandle(program) };
}

/**
 * Walks the records of a ring-buffer batch (`[u32 length][u32 attached
 * length][bytes, padded to 8][attached, padded to 8]` each) without
 * allocating: `visit(buffer, offset, length, attached)` gets the batch's own
 * Buffer, where the record's bytes are, and how many attached bytes follow
 * them (at `offset` + `length` rounded up to 8). Returns the number of
 * records visited. Throws if the batch is malformed.
 */
export function decodeRecordBatch(
  batch: RecordBatch | Buffer, visit: (buffer: Buffer, offset: number, length: number, attached: number) => void,
): number {
  const buf = Buffer.isBuffer(batch) ? batch : batch.buffer;
  let off = 0;
  let n = 0;
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32LE(off);
    const attached = buf.readUInt32LE(off + 4);
    const start = off + 8;
    const end = attached > 0 ? start + ((len + 7) & ~7) + attached : start + len;
    if (end > buf.length) throw bpfError('EINVAL', 'decodeRecordBatch', undefined, `record ${n} at ${off} runs past the batch`);
    visit(buf, start, len, attached);
    n++;
    off = start + ((len + 7) & ~7) + ((attached + 7) & ~7);
  }
  if (!Buffer.isBuffer(batch) && n !== batch.count) {
    throw bpfError('EINVAL', 'decodeRecordBatch', undefined, `the batch says ${batch.count} records, it holds ${n}`);
  }
  return n;
}

/** A program of an opened object, as libbpf sees it. */
export interface ProgramDetails {
  name: string;
  /** The ELF section: `raw_tp/sys_enter`, `tc`, `uprobe`, ... */
  section: string;
  /** Program type name: `raw_tracepoint`, `tracing`, `sched_cls`, ... */
  type: string;
  autoload: boolean;
}

/** A BpfObject with this module's extras. */
export interface NativeBpfObject extends BpfObject {
  /** Section, type and autoload of every program (to pick variants before load). */
  programDetails(): ProgramDetails[];
  /**
   * As {@link BpfObject.readRingBuffer}, with `onError`, and a
   * reader that counts batches. An exception thrown by `onBatch` becomes an
   * uncaught exception (as from an event listener); the reader goes on.
   * An open reader keeps the event loop alive until closed.
   */
  readRingBuffer(map: string, onBatch: (batch: RecordBatch) => void, options?: NativeRingBufferOptions): NativeRingBufferReader;
}

/** A ring buffer reader with this module's extras. */
export interface NativeRingBufferReader extends RingBufferReader {
  /** Batches delivered to JS so far. */
  readonly batches: number;
}

/** Options of a ring-buffer reader, with this module's extras. */
export interface NativeRingBufferOptions extends RingBufferOptions {
  /** Called if the reader thread stops on an error (default: a process warning). */
  onError?: (err: BpfError) => void;
}

/**
 * Opens a compiled BPF object (`.bpf.o`) without loading it. Set constants,
 * map sizes and autoload, then `load()`, then `attach()`. Throws a BpfError
 * (`syscall: 'bpf_object__open_file'`) if the file is missing or malformed.
 */
export function openObject(path: string): NativeBpfObject {
  checkName(path, 'bpf_object__open_file', 'path');
  const raw = call(() => addon().openObject(path));
  return new ObjectImpl(raw);
}

// ---- implementation ----------------------------------------------------------------------

const UPDATE_FLAGS = { any: 0, noexist: 1, exist: 2 } as const;
const DEFAULT_MAX_BATCH_BYTES = 256 * 1024;
const DEFAULT_MAX_LATENCY_MS = 10;

function encodeConst(name: string, info: RawConstInfo, value: ConstValue): Buffer {
  const fail = (detail: string) => bpfError('EINVAL', 'setConst', name, detail);
  const { size, kind } = info;
  if (Buffer.isBuffer(value)) {
    if (kind === 'char_array') {
      if (value.length > size) throw fail(`size mismatch: ${value.length} bytes do not fit char[${size}]`);
      const out = Buffer.alloc(size);
      value.copy(out);
      return out;
    }
    if (value.length !== size) throw fail(`size mismatch: the variable has ${size} bytes, the value ${value.length}`);
    return Buffer.from(value);
  }
  if (typeof value === 'string') {
    if (kind !== 'char_array') throw fail(`a string needs a char array, the variable is a ${size}-byte ${kind}`);
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length >= size) throw fail(`size mismatch: "${value}" needs ${bytes.length + 1} bytes with its NUL, char[${size}] has ${size}`);
    const out = Buffer.alloc(size);
    bytes.copy(out);
    return out;
  }
  if (kind === 'float' && typeof value === 'number') {
    const out = Buffer.alloc(size);
    if (size === 4) out.writeFloatLE(value);
    else if (size === 8) out.writeDoubleLE(value);
    else throw fail(`unsupported float size ${size}`);
    return out;
  }
  if (kind !== 'int' && kind !== 'bool' && kind !== 'enum') {
    throw fail(`a ${typeof value} needs an integer variable, this one is a ${size}-byte ${kind}; pass a Buffer of ${size} bytes`);
  }
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) throw fail(`unsupported integer size ${size}`);
  let v: bigint;
  if (typeof value === 'boolean') v = value ? 1n : 0n;
  else if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw fail(`${value} is not a safe integer`);
    v = BigInt(value);
  } else throw fail(`unsupported value type ${typeof value}`);
  const bits = BigInt(size * 8);
  const min = info.signed ? -(1n << (bits - 1n)) : 0n;
  const max = info.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (v < min || v > max) throw fail(`size mismatch: a ${size}-byte ${info.signed ? 'signed' : 'unsigned'} ${kind} cannot hold ${v}`);
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt.asUintN(64, v));
  return out.subarray(0, size);
}

class LinkImpl implements Link {
  constructor(private readonly raw: RawLink) {}
  get program(): string {
    return this.raw.program;
  }
  get description(): string {
    return this.raw.description;
  }
  destroy(): void {
    call(() => this.raw.destroy());
  }
}

class MapImpl implements BpfMap {
  readonly name: string;
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly perCpu: boolean;
  private readonly stride: number;

  constructor(private readonly raw: RawMap) {
    const info = call(() => raw.info());
    this.name = info.name;
    this.type = info.type;
    this.keySize = info.keySize;
    this.valueSize = info.valueSize;
    this.maxEntries = info.maxEntries;
    this.perCpu = info.perCpu;
    this.stride = (info.valueSize + 7) & ~7;
  }

  lookup(key: Buffer): Buffer | undefined {
    checkBuffer(key, 'bpf_map_lookup_elem', 'key');
    return call(() => this.raw.lookup(key));
  }

  lookupPerCpu(key: Buffer): Buffer[] | undefined {
    if (!this.perCpu) throw bpfError('EINVAL', 'lookupPerCpu', this.name, `${this.type} is not a per-CPU map`);
    const all = this.lookup(key);
    if (!all) return undefined;
    const out: Buffer[] = [];
    for (let off = 0; off < all.length; off += this.stride) out.push(all.subarray(off, off + this.valueSize));
    return out;
  }

  update(key: Buffer, value: Buffer, flags: 'any' | 'noexist' | 'exist' = 'any'): void {
    checkBuffer(key, 'bpf_map_update_elem', 'key');
    checkBuffer(value, 'bpf_map_update_elem', 'value');
    const f = UPDATE_FLAGS[flags];
    if (f === undefined) throw argError('bpf_map_update_elem', "flags must be 'any', 'noexist' or 'exist'");
    call(() => this.raw.update(key, value, f));
  }

  delete(key: Buffer): boolean {
    checkBuffer(key, 'bpf_map_delete_elem', 'key');
    return call(() => this.raw.delete(key));
  }

  entries(): Array<[Buffer, Buffer]> {
    return call(() => this.raw.entries());
  }

  clear(): void {
    call(() => this.raw.clear());
  }
}

class ReaderImpl implements NativeRingBufferReader {
  private closing: Promise<void> | undefined;
  constructor(
    private readonly raw: RawReader,
    private readonly onBatch: (buffer: Buffer, count: number) => void,
    private readonly onClosed: () => void,
  ) {}
  get delivered(): number {
    return this.raw.delivered;
  }
  get batches(): number {
    return this.raw.batches;
  }
  flush(): void {
    const pending = this.raw.takePending();
    if (pending !== undefined) this.onBatch(pending[0], pending[1]);
  }
  close(): Promise<void> {
    this.closing ??= this.raw.close().finally(this.onClosed);
    return this.closing;
  }
}

class ObjectImpl implements NativeBpfObject {
  readonly path: string;
  private loading: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly readers = new Set<ReaderImpl>();

  constructor(private readonly raw: RawObject) {
    this.path = raw.path;
  }

  programs(): string[] {
    return call(() => this.raw.programs());
  }

  programDetails(): ProgramDetails[] {
    return call(() => this.raw.programDetails());
  }

  /** The object's own maps (not libbpf's internal .rodata/.bss/.data maps; `map()` still opens those by name). */
  maps(): MapInfo[] {
    return call(() => this.raw.maps())
      .filter((m) => !m.internal)
      .map(({ name, type, keySize, valueSize, maxEntries, perCpu }) => ({ name, type, keySize, valueSize, maxEntries, perCpu }));
  }

  setConst(name: string, value: ConstValue): void {
    checkName(name, 'setConst', 'name');
    const info = call(() => this.raw.constInfo(name));
    const bytes = encodeConst(name, info, value);
    call(() => this.raw.setConstBytes(name, bytes));
  }

  setMaxEntries(map: string, maxEntries: number): void {
    checkName(map, 'bpf_map__set_max_entries', 'map');
    checkInt(maxEntries, 'bpf_map__set_max_entries', 'maxEntries', 1, 0xffffffff);
    call(() => this.raw.setMaxEntries(map, maxEntries));
  }

  setAutoload(program: string, autoload: boolean): void {
    checkName(program, 'bpf_program__set_autoload', 'program');
    if (typeof autoload !== 'boolean') throw argError('bpf_program__set_autoload', 'autoload must be a boolean');
    call(() => this.raw.setAutoload(program, autoload));
  }

  load(): Promise<void> {
    if (this.closing) return Promise.reject(bpfError('EBADF', 'bpf_object__load', this.path, 'the object is closed'));
    if (this.loading) return this.loading;
    let p: Promise<void>;
    try {
      p = this.raw.load();
    } catch (e) {
      return Promise.reject(fromNative(e));
    }
    this.loading = p.catch((e: unknown) => {
      throw fromNative(e);
    });
    return this.loading;
  }

  attach(program: string, spec: AttachSpec = { kind: 'auto' }): Link {
    checkName(program, 'attach', 'program');
    if (typeof spec !== 'object' || spec === null) throw argError('attach', 'spec must be an object');
    const raw: Record<string, unknown> = { kind: spec.kind };
    switch (spec.kind) {
      case 'auto': {
        const details = call(() => this.raw.programDetails()).find((d) => d.name === program);
        if (details && /^(tracepoint|tp)\//.test(details.section)) ensureTracefs();
        break;
      }
      case 'uprobe':
        checkName(spec.binary, 'bpf_program__attach_uprobe_opts', 'binary');
        checkName(spec.symbol, 'bpf_program__attach_uprobe_opts', 'symbol');
        if (spec.pid !== undefined) checkInt(spec.pid, 'bpf_program__attach_uprobe_opts', 'pid', -1, 0x7fffffff);
        if (spec.offset !== undefined) checkInt(spec.offset, 'bpf_program__attach_uprobe_opts', 'offset', 0, spec.retprobe === true ? 0 : 0x7fffffff);
        Object.assign(raw, { binary: spec.binary, symbol: spec.symbol, pid: spec.pid ?? -1, retprobe: spec.retprobe === true, offset: spec.offset ?? 0 });
        break;
      case 'perf_event': {
        checkInt(spec.frequency, 'perf_event_open', 'frequency', 1, 10000);
        raw.frequency = spec.frequency;
        if (spec.cpus !== undefined) {
          const n = possibleCpus();
          if (!Array.isArray(spec.cpus) || spec.cpus.length === 0) throw argError('perf_event_open', 'cpus must be a non-empty array');
          for (const c of spec.cpus) checkInt(c, 'perf_event_open', 'cpus[]', 0, n - 1);
          raw.cpus = [...spec.cpus];
        }
        break;
      }
      case 'tc':
        checkName(spec.ifname, 'bpf_tc_attach', 'ifname');
        if (spec.ifname.length > 15) throw argError('bpf_tc_attach', `ifname "${spec.ifname}" is longer than 15 characters`);
        if (spec.direction !== 'ingress' && spec.direction !== 'egress') throw argError('bpf_tc_attach', "direction must be 'ingress' or 'egress'");
        if (spec.priority !== undefined) checkInt(spec.priority, 'bpf_tc_attach', 'priority', 1, 0xffff);
        if (spec.handle !== undefined) checkInt(spec.handle, 'bpf_tc_attach', 'handle', 1, 0xffffffff);
        Object.assign(raw, { ifname: spec.ifname, direction: spec.direction });
        if (spec.priority !== undefined) raw.priority = spec.priority;
        if (spec.handle !== undefined) raw.handle = spec.handle;
        break;
      case 'cgroup':
        checkName(spec.path, 'bpf_program__attach_cgroup', 'path');
        raw.path = spec.path;
        break;
      default:
        throw argError('attach', `unknown attach kind '${(spec as { kind?: unknown }).kind as string}'`);
    }
    return new LinkImpl(call(() => this.raw.attach(program, raw)));
  }

  map(name: string): BpfMap {
    checkName(name, 'map', 'name');
    return new MapImpl(call(() => this.raw.map(name)));
  }

  readRingBuffer(map: string, onBatch: (batch: RecordBatch) => void, options: NativeRingBufferOptions = {}): NativeRingBufferReader {
    checkName(map, 'ring_buffer__new', 'map');
    if (typeof onBatch !== 'function') throw argError('ring_buffer__new', 'onBatch must be a function');
    const maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    const maxLatencyMs = options.maxLatencyMs ?? DEFAULT_MAX_LATENCY_MS;
    checkInt(maxBatchBytes, 'ring_buffer__new', 'maxBatchBytes', 64, 64 * 1024 * 1024);
    checkInt(maxLatencyMs, 'ring_buffer__new', 'maxLatencyMs', 0, 60_000);
    const pollMs = options.pollMs ?? Math.min(50, Math.max(1, Math.floor(maxLatencyMs / 4)));
    checkInt(pollMs, 'ring_buffer__new', 'pollMs', 1, 1000);
    const onError =
      options.onError ?? ((err: BpfError) => process.emitWarning(err.message, { code: err.code, type: 'BpfRingBufferWarning' }));
    const native = (buffer: Buffer | null, count: number, error?: Error): void => {
      if (buffer === null) {
        onError(fromNative(error) as BpfError);
        return;
      }
      try {
        onBatch({ buffer, count });
      } catch (e) {
        // As from an event listener: an uncaught exception, not swallowed by N-API.
        process.nextTick(() => {
          throw e;
        });
      }
    };
    const mapsPidOffset = options.mapsPidOffset ?? -1;
    if (options.mapsPidOffset !== undefined) checkInt(mapsPidOffset, 'ring_buffer__new', 'mapsPidOffset', 0, 1 << 20);
    const rawReader = call(() => this.raw.readRingBuffer(map, native, maxBatchBytes, maxLatencyMs, pollMs, mapsPidOffset));
    const reader: ReaderImpl = new ReaderImpl(rawReader, (buffer, count) => onBatch({ buffer, count }), () => this.readers.delete(reader));
    this.readers.add(reader);
    return reader;
  }

  programStats(program: string): ProgramStats {
    checkName(program, 'bpf_obj_get_info_by_fd', 'program');
    const s = call(() => this.raw.programStats(program));
    return { runCount: s.runCount, runTimeNs: s.runTimeNs, recursionMisses: s.recursionMisses };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.loading) await this.loading.catch(() => undefined);
      await Promise.all([...this.readers].map((r) => r.close()));
      call(() => this.raw.close());
    })();
    return this.closing;
  }
}
