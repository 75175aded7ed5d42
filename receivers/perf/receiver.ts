/**
 * The `perf` receiver: a CPU profiler. Loads bpf/perf.bpf.o, attaches it to
 * a software cpu-clock perf event on every CPU, and every
 * `collection_interval` (and at shutdown) drains the samples, symbolizes
 * them, writes one profile (pprof, folded stacks, flame graph HTML) and
 * emits `process.cpu.samples`.
 */
import { BpfReceiver } from '../../core/kernel/bpf-receiver';
import { errorMessage } from '../../core/error-message';
import type { CreateContext } from '../../core/component';
import type { HrTime, MetricRecord, Scope } from '../../core/signals';
import { nowHrTime } from '../../core/signals';
import { parseDuration } from '../../core/config/duration';
import { AGENT_VERSION } from '../../core/version';
import { DEFAULT_MAX_SERIES, SeriesLimiter } from '../../core/cardinality';
import { builtBpfObjectPath, openBpfObject } from '../../core/kernel/bpf-object';
import { decodeRecords } from '../../core/kernel/bpf-records';
import type { Link, RecordBatch } from '../../native/api';
import type { Profile, ProfileOutputConfig } from '../../core/profile/types';
import type { Symbolizer } from '../../core/symbolize/types';
import { createSymbolizer } from '../../core/symbolize/symbolizer';
import { ProfileWriter } from '../../core/profile/output';
import { ProcessFilters } from '../../core/kernel/process-filters';
import {
  DEFAULT_COLLECTION_INTERVAL, DEFAULT_FREQUENCY, DEFAULT_INCLUDE_IDLE, DEFAULT_INCLUDE_KERNEL, DEFAULT_MAX_ENTRIES, type PerfConfig,
} from './config';
import { PERF_DROP_REASONS, PERF_NEW_PID } from './layout';
import { decodeNewPid } from './decode';
import { CountsDrainer, type DrainedSamples } from './drain';
import { buildCpuProfile } from './profile-builder';
import { PendingSamples, type StackSample } from './pending';
import { ProcessNames } from './process-names';

/** The program in bpf/perf.bpf.c. */
export const PERF_PROGRAM = 'perf_sample';
/** The programs that forget a process at its exec and exit, so that its next sample announces it again. */
export const PERF_LIFECYCLE_PROGRAMS = ['perf_exec', 'perf_exit'] as const;

/**
 * How often the kernel maps are drained within a collection interval: about
 * 49 samples per CPU per drain (1 s at 49 Hz, 100 ms from 490 Hz up), so the
 * stack map holds few stacks at a time and hash collisions in it stay rare.
 */
export function drainIntervalMs(frequency: number): number {
  return Math.min(1000, Math.max(100, Math.round(49_000 / frequency)));
}

/**
 * How the new-pid reader hands announcements to JS. Its thread wakes at each
 * announcement (the program submits with a wakeup) and reads the process's
 * /proc/PID/maps right then (`mapsPidOffset`): a process's mappings are
 * captured within a wakeup of its first sample, short-lived processes too.
 * JS gets them in batches at most this late (and at each collection, which
 * flushes the reader first): one hop into JS per half second instead of one
 * per new process. What needs the live process beyond its maps (reading a
 * mapped file that its path no longer names, the vDSO, a container's perf map)
 * is done when JS gets the batch: for a process already gone, only the
 * mappings captured at its announcement are known.
 */
export const NEW_PID_MAX_LATENCY_MS = 500;
/** How often the idle reader thread looks at the ring without a wakeup (each announcement wakes it anyway). */
export const NEW_PID_POLL_MS = 1000;
/** Bytes of a batch of announcements with their executable mappings (a new batch reserves this much). */
export const NEW_PID_BATCH_BYTES = 64 * 1024;

/** Distinct (thread, stack) samples kept per profile, as a multiple of `max_entries`. */
export const PENDING_KEYS_PER_ENTRY = 4;

/** The metric this receiver emits. */
export const CPU_SAMPLES_METRIC = 'process.cpu.samples';

/** Where profiles go: {@link ProfileWriter} or a test double. */
export interface ProfileSink {
  write(profile: Profile): Promise<string[]>;
  /** Files that could not be written so far (the writer logs and counts them; it never throws). */
  readonly errors?: number;
}

/** Options for tests, benchmarks and the `profile` command; the engine passes none. */
export interface PerfReceiverOptions {
  /** The compiled object (default: `bpf/.output/perf.bpf.o` of this package). */
  objectPath?: string;
  /** Default: {@link createSymbolizer}(). */
  symbolizer?: Symbolizer;
  /** Default: a {@link ProfileWriter} over the config's `profiles` block. */
  sink?: ProfileSink;
  /** How often the kernel maps are drained (default {@link drainIntervalMs}; never less often than the collection interval). */
  drainIntervalMs?: number;
  /** Called with each profile once written, with the paths of its files. */
  onProfile?(profile: Profile, paths: string[]): void;
}


/** Samples stacks on every CPU at `frequency` and writes them as profiles. */
export class PerfReceiver extends BpfReceiver {
  private readonly scope: Scope = { name: 'ebpf-pipeline/receiver/perf', version: AGENT_VERSION };
  private readonly frequency: number;
  private readonly symbolizer: Symbolizer;
  private readonly sink: ProfileSink;
  private readonly limiter: SeriesLimiter;
  private readonly names = new ProcessNames();
  /** Cumulative samples by the attributes of their `process.cpu.samples` series (bounded by max_series + overflow). */
  private readonly totals = new Map<string, { attributes: Record<string, string | boolean>; value: number }>();
  private links: Link[] = [];
  private drainer?: CountsDrainer;
  private startTime: HrTime = nowHrTime();
  private windowStartMs = Date.now();
  private writes: Promise<void> = Promise.resolve();
  private sinkErrors = 0;
  private readonly pending: PendingSamples;
  private readonly intervalMs: number;
  private readonly drainIntervalMs: number;
  /** Set by shutdown: the last profile is written even without samples. */
  private stopping = false;

  constructor(private readonly config: PerfConfig, ctx: CreateContext, private readonly options: PerfReceiverOptions = {}) {
    const collectionIntervalMs = parseDuration(config.collection_interval ?? DEFAULT_COLLECTION_INTERVAL);
    super(ctx, collectionIntervalMs);
    this.intervalMs = collectionIntervalMs;
    this.frequency = config.frequency ?? DEFAULT_FREQUENCY;
    this.drainIntervalMs = options.drainIntervalMs ?? drainIntervalMs(this.frequency);
    this.pending = new PendingSamples(PENDING_KEYS_PER_ENTRY * (config.max_entries ?? DEFAULT_MAX_ENTRIES));
    this.symbolizer = options.symbolizer ?? createSymbolizer();
    this.sink = options.sink ?? new ProfileWriter(config.profiles as ProfileOutputConfig, ctx.id, ctx.logger);
    this.limiter = new SeriesLimiter(config.max_series ?? DEFAULT_MAX_SERIES, ctx.telemetry);
  }

  /** Drains the kernel, writes the interval's profile and emits the metric (the interval calls this, and shutdown). */
  override collect(): void {
    if (!this.obj || !this.drainer) return;
    // Processes announced in the last NEW_PID_MAX_LATENCY_MS: their mappings are in the reader, not yet here.
    this.reader?.flush();
    this.drain();
    const endMs = Date.now();
    const samples = this.pending.take();
    const profile = buildCpuProfile(samples, this.symbolizer, {
      frequency: this.frequency,
      startTime: [Math.floor(this.windowStartMs / 1000), (this.windowStartMs % 1000) * 1e6],
      durationNs: (endMs - this.windowStartMs) * 1e6,
    });
    this.windowStartMs = endMs;
    const records = this.metricRecords(samples);
    if (records.length > 0) this.subject.next({ signal: 'metrics', records });
    // An interval without samples writes no files (nothing to see, and the rotation would push out profiles that have some).
    if (samples.length > 0 || this.stopping) this.writes = this.writes.then(() => this.write(profile));
  }

  /**
   * Moves the kernel's samples and their stacks to {@link pending}. Runs every
   * {@link drainIntervalMs} too: the stack map then holds a few samples' worth
   * of distinct stacks at most, which keeps hash collisions in it rare.
   */
  private drain(): void {
    if (!this.drainer) return;
    let drained: DrainedSamples;
    try {
      drained = this.drainer.drain();
      this.countKernelDrops(PERF_DROP_REASONS);
    } catch (err) {
      this.ctx.logger.error({ component: this.ctx.id, err: errorMessage(err) }, 'reading the perf maps failed');
      return;
    }
    this.ctx.telemetry.drop('stack_missing', drained.missingStacks);
    this.ctx.telemetry.drop('buffer_full', this.pending.add(drained));
  }

  protected override onRunning(): void {
    if (this.drainIntervalMs < this.intervalMs) this.every(this.drainIntervalMs, () => this.drain());
  }

  /** Stops sampling, writes the last profile and waits until every profile is on disk. */
  override async shutdown(): Promise<void> {
    this.stopping = true;
    try {
      await super.shutdown();
    } finally {
      await this.writes;
    }
  }

  private async write(profile: Profile): Promise<void> {
    try {
      const paths = await this.sink.write(profile);
      const errors = this.sink.errors ?? 0;
      this.ctx.telemetry.drop('profile_write_failed', errors - this.sinkErrors);
      this.sinkErrors = errors;
      this.options.onProfile?.(profile, paths);
    } catch (err) {
      this.ctx.telemetry.drop('profile_write_failed', 1);
      this.ctx.logger.error({ component: this.ctx.id, err: errorMessage(err) }, 'writing the profile failed');
    }
  }

  /**
   * Captures a process's mappings (and its name, unless `comm` gives it)
   * while it lives, so its frames symbolize after it exits: once per
   * announcement, i.e. at its first sample after its start or exec (the
   * kernel side forgets a process at exec and exit). Its mappings are read
   * again only when a stack has an address outside them (dlopen, new JIT code).
   */
  private observe(tgid: number, comm?: string, executableMaps?: string): void {
    if (tgid === 0) return;
    if (comm) this.names.set(tgid, comm);
    else this.names.remember(tgid);
    try {
      this.symbolizer.observe(tgid, executableMaps);
    } catch (err) {
      this.ctx.logger.debug({ component: this.ctx.id, pid: tgid, err: errorMessage(err) }, 'reading the process mappings failed');
    }
  }

  private onNewPids(batch: RecordBatch): void {
    const events = this.wellFormed(decodeRecords(batch, PERF_NEW_PID.size, decodeNewPid));
    for (const e of events) this.observe(e.tgid, e.comm, e.executableMaps);
  }

  private metricRecords(samples: readonly StackSample[]): MetricRecord[] {
    for (const e of samples) {
      const attributes = this.limiter.admit(CPU_SAMPLES_METRIC, { 'process.executable.name': this.names.nameOf(e.tgid, e.comm) }) as Record<string, string | boolean>;
      const key = JSON.stringify(attributes);
      const total = this.totals.get(key);
      if (total) total.value += e.count;
      else this.totals.set(key, { attributes, value: e.count });
    }
    const time = nowHrTime();
    return [...this.totals.values()].map(({ attributes, value }) => ({
      resource: this.ctx.resource, scope: this.scope, name: CPU_SAMPLES_METRIC, unit: '{sample}',
      description: `CPU samples taken (${this.frequency} per second per CPU while the process runs).`,
      type: 'sum', monotonic: true, temporality: 'cumulative', valueType: 'int',
      attributes: { ...attributes }, startTime: this.startTime, time, value,
    }));
  }

  protected async load(): Promise<void> {
    const { config, ctx } = this;
    const path = builtBpfObjectPath(ctx.id, 'perf', this.options.objectPath);
    const filters = new ProcessFilters(config, true);
    const maxEntries = config.max_entries ?? DEFAULT_MAX_ENTRIES;

    const obj = openBpfObject(path);
    this.obj = obj;
    obj.setConst('include_kernel', config.include_kernel ?? DEFAULT_INCLUDE_KERNEL);
    obj.setConst('include_idle', config.include_idle ?? DEFAULT_INCLUDE_IDLE);
    filters.setConsts(obj);
    for (const map of ['counts_0', 'counts_1', 'stacks']) obj.setMaxEntries(map, maxEntries);
    try {
      await obj.load();
    } catch (err) {
      throw new Error(`${ctx.id}: loading the perf program failed: ${errorMessage(err)}`, { cause: err });
    }
    filters.fillMaps(obj);
    for (const pid of filters.pids) this.observe(pid);
    // Parse /proc/kallsyms now (a one-time ~0.2 s of CPU) rather than in the first collection that has a kernel frame.
    if (config.include_kernel ?? DEFAULT_INCLUDE_KERNEL) this.symbolizer.symbolizeKernel([]);
    this.drainer = new CountsDrainer(obj);
    this.reader = obj.readRingBuffer('new_pids', (batch) => this.onNewPids(batch), {
      maxLatencyMs: NEW_PID_MAX_LATENCY_MS, pollMs: NEW_PID_POLL_MS, maxBatchBytes: NEW_PID_BATCH_BYTES,
      mapsPidOffset: PERF_NEW_PID.members.tgid.offset,
    });
    this.startTime = nowHrTime();
    this.windowStartMs = Date.now();
    for (const p of PERF_LIFECYCLE_PROGRAMS) this.links.push(obj.attach(p));
    this.links.push(obj.attach(PERF_PROGRAM, { kind: 'perf_event', frequency: this.frequency }));
    ctx.logger.info({ component: ctx.id, frequency: this.frequency }, 'perf sampling attached');
  }

  /** Detaches the perf events. Idempotent. */
  protected detachAll(): void {
    this.destroyLinks(this.links.splice(0));
  }
}
