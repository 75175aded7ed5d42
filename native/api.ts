/**
 * The typed contract of the native eBPF runtime (C++ addon over libbpf).
 * Nothing outside native/ imports the .node file; everything goes through
 * these types (implemented in native/index.ts).
 */

/** A value for a `const volatile` tunable in `.rodata` (set before load). */
export type ConstValue = number | bigint | boolean | string | Buffer;

/**
 * How to attach a program. `auto` uses the program's SEC() (tracepoint, raw_tp, tp_btf).
 * A uprobe's `offset` puts an entry probe that many bytes past the symbol's start (default 0).
 */
export type AttachSpec =
  | { kind: 'auto' }
  | { kind: 'uprobe'; binary: string; symbol: string; pid?: number; retprobe?: boolean; offset?: number }
  | { kind: 'perf_event'; frequency: number; cpus?: number[] }
  | { kind: 'tc'; ifname: string; direction: 'ingress' | 'egress'; priority?: number; handle?: number }
  | { kind: 'cgroup'; path: string };

/** An attachment; `destroy()` detaches it (idempotent). */
export interface Link {
  readonly program: string;
  readonly description: string;
  destroy(): void;
}

/** Static facts about a map. */
export interface MapInfo {
  name: string;
  /** Kernel map type name: `hash`, `percpu_array`, `ringbuf`, `stack_trace`, ... */
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  perCpu: boolean;
}

/** A loaded map. Keys and values are raw bytes laid out as the C structs. */
export interface BpfMap extends MapInfo {
  lookup(key: Buffer): Buffer | undefined;
  /** Per-CPU maps: one Buffer per possible CPU. */
  lookupPerCpu(key: Buffer): Buffer[] | undefined;
  update(key: Buffer, value: Buffer, flags?: 'any' | 'noexist' | 'exist'): void;
  delete(key: Buffer): boolean;
  /** Every entry (batch lookup where the kernel supports it, else iteration). Per-CPU values are concatenated per CPU (stride = valueSize rounded up to 8). */
  entries(): Array<[Buffer, Buffer]>;
  /** Deletes every key. */
  clear(): void;
}

/** Options of a ring-buffer reader. */
export interface RingBufferOptions {
  /** Deliver a batch when it holds this many bytes (default 256 KiB). */
  maxBatchBytes?: number;
  /**
   * Deliver a non-empty batch at least this often, ms (default 10); 0: deliver
   * what each wakeup finds at once (one batch per wakeup: for rare events that
   * must be seen soon, with a long `pollMs`).
   */
  maxLatencyMs?: number;
  /**
   * How long the thread waits for a wakeup before looking anyway, ms
   * (default maxLatencyMs / 4, 1..50; at most 1000). Producers submitting with
   * BPF_RB_NO_WAKEUP are seen within this delay; each look is a wakeup of the
   * reader thread, so rare events submitted with a wakeup want a long one.
   */
  pollMs?: number;
  /**
   * Byte offset of a `__u32` process id in each record: the reader thread
   * reads that process's /proc/PID/maps as it takes the record and attaches
   * the executable lines to it (nothing when the process is gone). For
   * records announcing a process whose mappings must be captured while it
   * lives, however late JS handles the batch.
   */
  mapsPidOffset?: number;
}

/**
 * A batch of ring-buffer records: `count` records, each `[u32 length][u32
 * attached length][bytes, padded to 8][attached bytes, padded to 8]` (nothing
 * is attached unless {@link RingBufferOptions.mapsPidOffset} asks for it).
 */
export interface RecordBatch {
  buffer: Buffer;
  count: number;
}

/** Reads a ring buffer on a native thread; JS gets one callback per batch. */
export interface RingBufferReader {
  /** Records delivered to JS so far. */
  readonly delivered: number;
  /**
   * Delivers the records the thread has taken from the ring but holds for
   * `maxLatencyMs`, now, to `onBatch` (a batch already handed over is still
   * delivered after, on its own).
   */
  flush(): void;
  /** Stops the thread after delivering what is pending. */
  close(): Promise<void>;
}

/** A BPF program's kernel statistics (run count and time need `enableStats()`; recursion misses are always counted). */
export interface ProgramStats {
  runCount: bigint;
  runTimeNs: bigint;
  /** Runs the kernel skipped because the program was already running on that CPU (an event lost). */
  recursionMisses: bigint;
}

/** An opened (then loaded) .bpf.o. */
export interface BpfObject {
  readonly path: string;
  programs(): string[];
  maps(): MapInfo[];
  /** Before load: set a `const volatile` global; throws if absent or of another size. */
  setConst(name: string, value: ConstValue): void;
  /** Before load. */
  setMaxEntries(map: string, maxEntries: number): void;
  /** Before load: whether a program is loaded at all (to pick tp_btf vs tracepoint variants). */
  setAutoload(program: string, autoload: boolean): void;
  /** Loads into the kernel, off the JS thread. A verifier rejection throws with `verifierLog`. */
  load(): Promise<void>;
  attach(program: string, spec?: AttachSpec): Link;
  map(name: string): BpfMap;
  readRingBuffer(map: string, onBatch: (batch: RecordBatch) => void, options?: RingBufferOptions): RingBufferReader;
  programStats(program: string): ProgramStats;
  /** Detaches every link, stops readers, unloads. Idempotent. */
  close(): Promise<void>;
}

/** An error from libbpf or the kernel. */
export interface NativeError extends Error {
  /** errno name: `EPERM`, `ENOENT`, ... */
  code: string;
  errno: number;
  /** The libbpf call that failed, e.g. `bpf_object__load`. */
  syscall: string;
  /** The program or map involved, when there is one. */
  target?: string;
  /** The verifier's last lines, when the kernel rejected a program. */
  verifierLog?: string;
}
