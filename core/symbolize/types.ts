/**
 * The contract of the symbolizer shared by the perf and alloc receivers:
 * raw instruction addresses from BPF stack-trace maps in, named frames out.
 * Implemented in ./symbolizer.ts (createSymbolizer).
 */

/** Where a frame's code lives. */
export type FrameKind = 'kernel' | 'user' | 'jit' | 'unknown';

/** One symbolized stack frame. */
export interface Frame {
  /** Function name (demangled where possible); for an unknown symbol `module+0xoffset`, never a wrong name. */
  name: string;
  /** Binary or library path (`[kernel]` for the kernel, `[jit]` for a perf map, `[unknown]` when unmapped). */
  module: string;
  /** The raw address the stack held. */
  address: bigint;
  /** Address relative to the module's load base (file-relative for ELF objects). */
  offset: bigint;
  kind: FrameKind;
}

/** Options of {@link Symbolizer}. */
export interface SymbolizerOptions {
  /** Most processes whose mappings are kept after they exit (oldest forgotten first). Default 4096. */
  maxProcesses?: number;
  /** Most ELF files whose symbol tables are kept in memory (least recently used forgotten). Default 256. */
  maxElfFiles?: number;
  /** Most frames kept for reuse across calls (user frames by process and address, kernel frames by address). Default 65536. */
  maxCachedFrames?: number;
  /** The procfs root, for tests. Default `/proc`. */
  procRoot?: string;
}

/** Counters of what could not be symbolized, for the receivers' telemetry. */
export interface SymbolizerStats {
  /** Frames returned as `module+0xoffset` because no symbol covered the address. */
  unknownFrames: number;
  /** Frames in no known mapping (the process exited before it was observed). */
  unmappedFrames: number;
  /** ELF files that could not be read (deleted, permission, corrupt). */
  unreadableFiles: number;
}

/** Turns addresses into frames; caches per build-id/inode; bounded. */
export interface Symbolizer {
  /**
   * Captures `pid`'s mappings now (and reads the ELF files they map while they
   * exist), so its frames still symbolize after it exits. Call it when a pid is
   * first seen; cheap when nothing changed. `executableMaps`: the executable
   * lines of its /proc/PID/maps, when they were read already (by a ring-buffer
   * reader thread, at the announcement); read now when absent or empty.
   */
  observe(pid: number, executableMaps?: string): void;
  /** Frames for user-space addresses of `pid`, in the order given. */
  symbolizeUser(pid: number, addresses: readonly bigint[]): Frame[];
  /** Frames for kernel addresses (from /proc/kallsyms), in the order given. */
  symbolizeKernel(addresses: readonly bigint[]): Frame[];
  /** What could not be symbolized so far. */
  stats(): SymbolizerStats;
}
