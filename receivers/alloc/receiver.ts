/**
 * The `alloc` receiver: loads bpf/alloc.bpf.o, hooks the malloc family of
 * the target files (uprobes and uretprobes), and every `collection_interval`
 * reads the per-process totals as metrics and the live blocks as a leak
 * report (log records, and a profile when `profiles` is set).
 */
import { BpfReceiver } from '../../core/kernel/bpf-receiver';
import { errorMessage } from '../../core/error-message';
import type { CreateContext } from '../../core/component';
import type { HrTime, Scope } from '../../core/signals';
import { nowHrTime } from '../../core/signals';
import { DEFAULT_MAX_SERIES, SeriesLimiter } from '../../core/cardinality';
import { parseDuration } from '../../core/config/duration';
import { AGENT_VERSION } from '../../core/version';
import type { AttachSpec, Link } from '../../native/api';
import type { Symbolizer } from '../../core/symbolize/types';
import { createSymbolizer } from '../../core/symbolize/symbolizer';
import { builtBpfObjectPath, openBpfObject } from '../../core/kernel/bpf-object';
import { ProcessFilters, u32Key } from '../../core/kernel/process-filters';
import {
  DEFAULT_COLLECTION_INTERVAL, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_PROCESSES, DEFAULT_MAX_STACKS, DEFAULT_MIN_AGE, DEFAULT_SAMPLE_EVERY,
  DEFAULT_KERNEL, DEFAULT_MAX_KERNEL_SITES, DEFAULT_MMAP, DEFAULT_TOP_K, type AllocConfig,
} from './config';
import { decodeAllocs, decodeKmallocSites, decodeProcesses, decodeStack, groupLeaks, type LiveBlock, type ProcessTotals } from './decode';
import {
  ALLOC_DROP_ALLOCS_FULL, ALLOC_DROP_KMALLOC_SITES_FULL, ALLOC_DROP_PENDING_FULL, ALLOC_DROP_PROCESSES_FULL, ALLOC_DROP_STACK_MISSING,
} from './layout';
import { leakProfile, leakRecords, leakStacks } from './leak-report';
import { ProfileWriter } from '../../core/profile/output';
import type { Profile, ProfileOutputConfig } from '../../core/profile/types';
import { callSites } from './leak-report';
import { kernelFunctionTotals, toKernelMetricRecords, toMetricRecords, type MetricContext } from './metrics';
import { resolveTargets, type ProbeTarget } from './targets';
import { alive, collectStacks, forgetPendingCalls, forgetProcesses } from './map-cleanup';
import { nullCheckOffset } from './null-check';

/** A uprobe attach spec. */
type UprobeSpec = Extract<AttachSpec, { kind: 'uprobe' }>;

/** A hooked function: its symbol and programs; `required` ones must exist in the target file. */
export interface AllocProbe {
  symbol: string;
  enter: string;
  exit?: string;
  required: boolean;
  /** The entry probe ignores a NULL first argument: it may go past a leading NULL check (see null-check.ts). */
  skipNullCheck?: boolean;
}

/**
 * The hooked functions of bpf/alloc.bpf.c. glibc's memalign, valloc and
 * pvalloc are not hooked (aligned_alloc and memalign share one address in
 * glibc 2.36, so memalign is seen as aligned_alloc there).
 */
export const ALLOC_PROBES: readonly AllocProbe[] = [
  { symbol: 'malloc', enter: 'malloc_enter', exit: 'malloc_exit', required: true },
  { symbol: 'free', enter: 'free_enter', required: true, skipNullCheck: true },
  { symbol: 'calloc', enter: 'calloc_enter', exit: 'calloc_exit', required: false },
  { symbol: 'realloc', enter: 'realloc_enter', exit: 'realloc_exit', required: false },
  { symbol: 'aligned_alloc', enter: 'aligned_alloc_enter', exit: 'aligned_alloc_exit', required: false },
  { symbol: 'posix_memalign', enter: 'posix_memalign_enter', exit: 'posix_memalign_exit', required: false },
];

/** Hooked with the `mmap` setting only. */
export const MMAP_PROBES: readonly AllocProbe[] = [
  { symbol: 'mmap', enter: 'mmap_enter', exit: 'mmap_exit', required: true },
  { symbol: 'munmap', enter: 'munmap_enter', required: true },
];

/** The kmem:kmalloc program (tp_btf), loaded with `kernel` only. */
export const KMALLOC_PROGRAM = 'kmalloc';

/** Options for tests and benchmarks; the engine passes none. */
export interface AllocReceiverOptions {
  /** The compiled object (default: `bpf/.output/alloc.bpf.o` of this package). */
  objectPath?: string;
  /** The symbolizer (default: a new shared-implementation one). */
  symbolizer?: Symbolizer;
}


/** An {@link HrTime} in ns. */
function hrTimeNs(t: HrTime): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}

/** Allocations, frees and outstanding bytes of processes from uprobes on the malloc family; leak reports. */
export class AllocReceiver extends BpfReceiver {
  private readonly scope: Scope = { name: 'ebpf-pipeline/receiver/alloc', version: AGENT_VERSION };
  private readonly limiter: SeriesLimiter;
  private readonly sampleEvery: number;
  private readonly minAgeMs: number;
  private readonly topK: number;
  private readonly kernel: boolean;
  private readonly probes: readonly AllocProbe[];
  private readonly symbolizer: Symbolizer;
  private readonly writer?: ProfileWriter;
  /** The profile files being written, awaited at shutdown. */
  private writing: Promise<void> = Promise.resolve();
  private links: Link[] = [];
  private readonly nullCheckOffsets = new Map<string, number>();
  private startTime: HrTime = nowHrTime();
  private lastReport: HrTime = nowHrTime();
  /** The probes attached, as `file:symbol[ pid]` descriptions, once started. */
  attached: string[] = [];

  constructor(private readonly config: AllocConfig, ctx: CreateContext, private readonly options: AllocReceiverOptions = {}) {
    super(ctx, parseDuration(config.collection_interval ?? DEFAULT_COLLECTION_INTERVAL));
    this.limiter = new SeriesLimiter(config.max_series ?? DEFAULT_MAX_SERIES, ctx.telemetry);
    this.sampleEvery = config.sample_every ?? DEFAULT_SAMPLE_EVERY;
    this.minAgeMs = parseDuration(config.min_age ?? DEFAULT_MIN_AGE);
    this.topK = config.top_k ?? DEFAULT_TOP_K;
    this.kernel = config.kernel ?? DEFAULT_KERNEL;
    this.probes = (config.mmap ?? DEFAULT_MMAP) ? [...ALLOC_PROBES, ...MMAP_PROBES] : ALLOC_PROBES;
    this.symbolizer = options.symbolizer ?? createSymbolizer();
    if (config.profiles) this.writer = new ProfileWriter(config.profiles as ProfileOutputConfig, ctx.id, ctx.logger);
  }

  /** Stops as every eBPF receiver does, then waits for the last profile files. */
  override async shutdown(): Promise<void> {
    await super.shutdown();
    await this.writing;
  }

  /** Reads the kernel maps now: metrics, then the leak report; forgets exited processes. */
  collect(): void {
    const obj = this.obj;
    if (!obj) return;
    const time = nowHrTime();
    const nowNs = process.hrtime.bigint();
    try {
      const processes = decodeProcesses(obj.map('processes').entries());
      const dead = new Set(processes.filter((p) => !alive(p.pid)).map((p) => p.pid));
      for (const p of processes) if (!dead.has(p.pid)) this.symbolizer.observe(p.pid);
      const metricCtx: MetricContext = {
        resource: this.ctx.resource, scope: this.scope, sampleEvery: this.sampleEvery, startTime: this.startTime, time, limiter: this.limiter,
      };
      const metrics = toMetricRecords(processes, metricCtx);
      if (this.kernel) {
        const sites = decodeKmallocSites(obj.map('kmalloc_sites').entries());
        const frames = this.symbolizer.symbolizeKernel(callSites(sites.map((s) => s.site)));
        metrics.push(...toKernelMetricRecords(kernelFunctionTotals(sites, frames), metricCtx));
      }
      if (metrics.length > 0) this.subject.next({ signal: 'metrics', records: metrics });

      const blocks = decodeAllocs(obj.map('allocs').entries());
      this.report(blocks, processes, nowNs, time);
      forgetProcesses(obj, dead, blocks);
      collectStacks(obj, blocks);
      forgetPendingCalls(obj);
      this.countKernelDrops([
        [ALLOC_DROP_ALLOCS_FULL, 'allocs_full'], [ALLOC_DROP_PENDING_FULL, 'pending_full'],
        [ALLOC_DROP_PROCESSES_FULL, 'processes_full'], [ALLOC_DROP_STACK_MISSING, 'stack_missing'],
        [ALLOC_DROP_KMALLOC_SITES_FULL, 'kmalloc_sites_full'],
      ]);
    } catch (err) {
      this.ctx.logger.error({ component: this.ctx.id, err: errorMessage(err) }, 'reading the alloc maps failed');
    }
    this.lastReport = time;
  }

  /** The leak report: the top K stacks as log records; every stack as a profile when `profiles` is set. */
  private report(blocks: readonly LiveBlock[], processes: readonly ProcessTotals[], nowNs: bigint, time: HrTime): void {
    const obj = this.obj;
    if (!obj) return;
    const cutoff = nowNs - BigInt(Math.round(this.minAgeMs * 1e6));
    const all = groupLeaks(blocks, cutoff);
    const groups = this.writer ? all : all.slice(0, this.topK);
    if (groups.length === 0) return;
    const comms = new Map(processes.map((p) => [p.pid, p.comm]));
    const stacksMap = obj.map('stacks');
    const stacks = leakStacks({
      groups,
      stackOf: (id) => {
        const value = stacksMap.lookup(u32Key(id));
        return value ? decodeStack(value) : [];
      },
      symbolizer: this.symbolizer,
      commOf: (pid) => comms.get(pid) ?? '',
      sampleEvery: this.sampleEvery,
      nowNs,
    });
    const records = leakRecords(stacks.slice(0, this.topK), { resource: this.ctx.resource, scope: this.scope, time, minAgeMs: this.minAgeMs });
    this.subject.next({ signal: 'logs', records });
    if (this.writer) this.writeProfile(this.writer, leakProfile(stacks, this.lastReport, Number(hrTimeNs(time) - hrTimeNs(this.lastReport))));
  }

  /** Queues the profile's files; failures are logged by the writer and counted as dropped (`profile_write_failed`). */
  private writeProfile(writer: ProfileWriter, profile: Profile): void {
    const before = writer.errors;
    this.writing = this.writing.then(async () => {
      await writer.write(profile);
      this.ctx.telemetry.drop('profile_write_failed', writer.errors - before);
    }).catch((err: unknown) => {
      this.ctx.logger.error({ component: this.ctx.id, err: errorMessage(err) }, 'writing the leak profile failed');
    });
  }

  protected async load(): Promise<void> {
    const { config, ctx } = this;
    const path = builtBpfObjectPath(ctx.id, 'alloc', this.options.objectPath);
    let targets: ProbeTarget[];
    try {
      targets = resolveTargets(config);
    } catch (err) {
      throw new Error(`${ctx.id}: ${errorMessage(err)}`, { cause: err });
    }
    const filters = new ProcessFilters(config, false);
    const obj = openBpfObject(path);
    this.obj = obj;
    obj.setConst('self_pid', process.pid);
    filters.setConsts(obj);
    obj.setConst('sample_every', BigInt(this.sampleEvery));
    obj.setMaxEntries('allocs', config.max_entries ?? DEFAULT_MAX_ENTRIES);
    obj.setMaxEntries('stacks', config.max_stacks ?? DEFAULT_MAX_STACKS);
    obj.setMaxEntries('processes', config.max_processes ?? DEFAULT_MAX_PROCESSES);
    obj.setMaxEntries('kmalloc_sites', this.kernel ? (config.max_kernel_sites ?? DEFAULT_MAX_KERNEL_SITES) : 1);
    obj.setAutoload(KMALLOC_PROGRAM, this.kernel);
    for (const probe of MMAP_PROBES) {
      obj.setAutoload(probe.enter, this.probes.includes(probe));
      if (probe.exit) obj.setAutoload(probe.exit, this.probes.includes(probe));
    }
    try {
      await obj.load();
    } catch (err) {
      throw new Error(`${ctx.id}: loading the alloc programs failed: ${errorMessage(err)}`, { cause: err });
    }
    filters.fillMaps(obj);
    for (const pid of filters.pids) this.symbolizer.observe(pid);

    this.startTime = nowHrTime();
    this.lastReport = this.startTime;
    for (const target of targets) this.attachTarget(target);
    if (this.kernel) this.links.push(obj.attach(KMALLOC_PROGRAM));
    ctx.logger.info({ component: ctx.id, targets, sample_every: this.sampleEvery }, 'alloc probes attached');
  }

  /** Hooks the malloc family in one target; an optional symbol that cannot be hooked is skipped (and logged), a required one fails. */
  private attachTarget(target: ProbeTarget): void {
    const obj = this.obj;
    if (!obj) return;
    const where = `${target.binary}${target.pid === undefined ? '' : ` (pid ${target.pid})`}`;
    for (const probe of this.probes) {
      const spec: UprobeSpec = { kind: 'uprobe', binary: target.binary, symbol: probe.symbol, pid: target.pid };
      try {
        // The return probe first: an entry is never stashed without its return hooked.
        if (probe.exit) this.links.push(obj.attach(probe.exit, { ...spec, retprobe: true }));
        this.links.push(this.attachEntry(probe, spec));
        this.attached.push(`${where}:${probe.symbol}`);
      } catch (err) {
        if (!probe.required) {
          this.ctx.logger.warn({ component: this.ctx.id, binary: target.binary, symbol: probe.symbol, err: errorMessage(err) }, 'not hooked');
          continue;
        }
        throw new Error(
          `${this.ctx.id}: hooking ${probe.symbol} in ${where} failed (the file must define ${probe.symbol}: a C library, or a program linked statically): ${errorMessage(err)}`,
          { cause: err },
        );
      }
    }
  }

  /** {@link nullCheckOffset}, read once per file and symbol (every pid of a `pids` list maps the same C library). */
  private nullCheckOffsetOf(binary: string, symbol: string): number {
    const key = `${binary}\0${symbol}`;
    let offset = this.nullCheckOffsets.get(key);
    if (offset === undefined) {
      offset = nullCheckOffset(binary, symbol);
      this.nullCheckOffsets.set(key, offset);
    }
    return offset;
  }

  /** The entry probe, past the function's NULL check when it may skip one and the kernel takes it there; else at the start. */
  private attachEntry(probe: AllocProbe, spec: UprobeSpec): Link {
    const obj = this.obj!;
    const offset = probe.skipNullCheck ? this.nullCheckOffsetOf(spec.binary, spec.symbol) : 0;
    if (offset > 0) {
      try {
        return obj.attach(probe.enter, { ...spec, offset });
      } catch (err) {
        this.ctx.logger.debug({ component: this.ctx.id, binary: spec.binary, symbol: spec.symbol, offset, err: errorMessage(err) }, 'probing past the NULL check failed; probing the start');
      }
    }
    return obj.attach(probe.enter, spec);
  }

  /** Detaches every probe. Idempotent. */
  protected detachAll(): void {
    this.destroyLinks(this.links.splice(0));
  }
}
