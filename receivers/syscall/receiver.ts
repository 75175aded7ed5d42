/**
 * The `syscall` receiver: loads bpf/syscall.bpf.o, pushes the config's
 * filters into the kernel, reads the per-CPU aggregates every
 * `collection_interval` and streams slow calls as spans.
 */
import { BpfReceiver } from '../../core/kernel/bpf-receiver';
import { errorMessage } from '../../core/error-message';
import type { CreateContext } from '../../core/component';
import type { HrTime, Scope, SpanRecord } from '../../core/signals';
import { nowHrTime } from '../../core/signals';
import { parseDuration } from '../../core/config/duration';
import { AGENT_VERSION } from '../../core/version';
import type { Link, RecordBatch } from '../../native/api';
import { DEFAULT_COLLECTION_INTERVAL, DEFAULT_FAILED_ONLY, DEFAULT_INCLUDE_SELF, DEFAULT_LATENCY, DEFAULT_MAX_ENTRIES, DEFAULT_PER_PROCESS, DEFAULT_SLOW_THRESHOLD, type SyscallConfig } from './config';
import { decodeById, decodeErrors, decodeHists, decodeSlowEvents, slowEventToSpan, toMetricRecords, type SpanContext } from './decode';
import { SYSCALL_DROP_ID_RANGE, SYSCALL_DROP_MAP_FULL, SYSCALL_DROP_RINGBUF_FULL, SYSCALL_MAX_ID } from './layout';
import { syscallTable, type SyscallTable } from './syscall-table';
import { builtBpfObjectPath } from '../../core/kernel/bpf-object';
import { monotonicToWallOffset } from '../../core/kernel/clock';
import { ProcessFilters } from '../../core/kernel/process-filters';

/** The three program pairs in bpf/syscall.bpf.c, in the order they are tried. */
export const SYSCALL_PROGRAMS = {
  tp_btf: { enter: 'sc_btf_enter', exit: 'sc_btf_exit' },
  raw_tp: { enter: 'sc_raw_enter', exit: 'sc_raw_exit' },
  tracepoint: { enter: 'sc_tp_enter', exit: 'sc_tp_exit' },
} as const;

/** Which pair of programs to load: `tp_btf` first, `raw_tp` the fallback, the classic `tracepoint` (needs tracefs) the last one. */
export type SyscallVariant = keyof typeof SYSCALL_PROGRAMS;

/** Spans kept between two collections at most; more are dropped (`buffer_full`). */
export const MAX_PENDING_SPANS = 65536;

/** Options for tests and benchmarks; the engine passes none. */
export interface SyscallReceiverOptions {
  /** Force a program pair (default: each in {@link SYSCALL_PROGRAMS} order until one loads and attaches). */
  variant?: SyscallVariant;
  /** The compiled object (default: `bpf/.output/syscall.bpf.o` of this package). */
  objectPath?: string;
}

/** The `syscall_mask` bitmap (`__u64[SYSCALL_MAX_ID / 64]`, little-endian) of a set of ids. */
export function syscallMask(ids: Iterable<number>): Buffer {
  const mask = Buffer.alloc(SYSCALL_MAX_ID / 8);
  for (const id of ids) {
    if (id < 0 || id >= SYSCALL_MAX_ID) throw new Error(`syscall id ${id} is out of the filterable range 0..${SYSCALL_MAX_ID - 1}`);
    mask[id >> 3] |= 1 << (id & 7);
  }
  return mask;
}



/** Counts, errors and latency of system calls, aggregated in the kernel. */
export class SyscallReceiver extends BpfReceiver {
  private readonly scope: Scope = { name: 'ebpf-pipeline/receiver/syscall', version: AGENT_VERSION };
  private readonly table: SyscallTable;
  private readonly latency: boolean;
  private readonly perProcess: boolean;
  private readonly slowThresholdNs: bigint;
  private links: Link[] = [];
  private startTime: HrTime = nowHrTime();
  private spanCtx?: SpanContext;
  private pendingSpans: SpanRecord[] = [];
  /** The program pair in use, once started. */
  variant?: SyscallVariant;

  constructor(private readonly config: SyscallConfig, ctx: CreateContext, private readonly options: SyscallReceiverOptions = {}) {
    super(ctx, parseDuration(config.collection_interval ?? DEFAULT_COLLECTION_INTERVAL));
    this.table = syscallTable();
    this.latency = config.latency ?? DEFAULT_LATENCY;
    this.perProcess = config.per_process ?? DEFAULT_PER_PROCESS;
    this.slowThresholdNs = BigInt(Math.round(parseDuration(config.slow_threshold ?? DEFAULT_SLOW_THRESHOLD) * 1e6));
  }

  /** Reads the kernel maps now and emits one batch per signal (the interval calls this). */
  collect(): void {
    const obj = this.obj;
    if (!obj) return;
    const time = nowHrTime();
    try {
      const hists = this.perProcess
        ? decodeHists(obj.map('hists').entries())
        : decodeById(obj.map('calls').entries(), this.latency ? obj.map('latency_by_id').entries() : undefined);
      const errors = decodeErrors(obj.map('errors').entries());
      const records = toMetricRecords(hists, errors, {
        resource: this.ctx.resource, scope: this.scope, table: this.table, perProcess: this.perProcess,
        latency: this.latency, startTime: this.startTime, time,
      });
      this.countKernelDrops([
        [SYSCALL_DROP_RINGBUF_FULL, 'ringbuf_full'], [SYSCALL_DROP_MAP_FULL, 'map_full'], [SYSCALL_DROP_ID_RANGE, 'unknown_syscall'],
      ]);
      if (this.variant) this.countRecursionMisses(Object.values(SYSCALL_PROGRAMS[this.variant]));
      if (records.length > 0) this.subject.next({ signal: 'metrics', records });
    } catch (err) {
      this.ctx.logger.error({ component: this.ctx.id, err: errorMessage(err) }, 'reading the syscall maps failed');
    }
    if (this.pendingSpans.length > 0) {
      const records = this.pendingSpans;
      this.pendingSpans = [];
      this.subject.next({ signal: 'traces', records });
    }
  }

  private onEvents(batch: RecordBatch): void {
    if (!this.spanCtx) return;
    const events = this.wellFormed(decodeSlowEvents(batch));
    const room = MAX_PENDING_SPANS - this.pendingSpans.length;
    if (events.length > room) this.ctx.telemetry.drop('buffer_full', events.length - Math.max(room, 0));
    for (let i = 0; i < events.length && i < room; i++) this.pendingSpans.push(slowEventToSpan(events[i], this.spanCtx));
  }

  protected async load(): Promise<void> {
    const { config, ctx } = this;
    const path = builtBpfObjectPath(ctx.id, 'syscall', this.options.objectPath);
    const needStart = this.latency || this.slowThresholdNs > 0n;
    const ids = (config.syscalls ?? []).map((name) => {
      const id = this.table.ids.get(name);
      if (id === undefined) throw new Error(`${ctx.id}: unknown syscall "${name}"`);
      return id;
    });
    const filters = new ProcessFilters(config, true);
    const maxEntries = config.max_entries ?? DEFAULT_MAX_ENTRIES;

    // tp_btf first; raw_tp when this kernel refuses it; the classic tracepoints last. All need the kernel's BTF (task storage).
    const variants: SyscallVariant[] = this.options.variant ? [this.options.variant] : Object.keys(SYSCALL_PROGRAMS) as SyscallVariant[];
    const { obj, variant } = await this.loadFirstVariant(path, variants, (obj, v) => {
      obj.setConst('self_pid', (config.include_self ?? DEFAULT_INCLUDE_SELF) ? 0 : process.pid);
      obj.setConst('per_process', this.perProcess);
      obj.setConst('latency', this.latency);
      obj.setConst('slow_threshold_ns', this.slowThresholdNs);
      obj.setConst('failed_only', config.failed_only ?? DEFAULT_FAILED_ONLY);
      filters.setConsts(obj);
      obj.setConst('filter_syscalls_on', ids.length > 0);
      obj.setConst('syscall_mask', syscallMask(ids));
      // Maps the mode does not use shrink to one entry.
      obj.setMaxEntries('hists', this.perProcess ? maxEntries : 1);
      obj.setMaxEntries('calls', this.perProcess ? 1 : SYSCALL_MAX_ID);
      obj.setMaxEntries('latency_by_id', !this.perProcess && this.latency ? SYSCALL_MAX_ID : 1);
      obj.setMaxEntries('errors', maxEntries);
      for (const [name, pair] of Object.entries(SYSCALL_PROGRAMS)) {
        obj.setAutoload(pair.enter, name === v && needStart);
        obj.setAutoload(pair.exit, name === v);
      }
    });

    // Filters go in before the programs are attached, so no call is counted unfiltered.
    filters.fillMaps(obj);

    if (this.slowThresholdNs > 0n) {
      this.spanCtx = { resource: ctx.resource, scope: this.scope, table: this.table, wallOffsetNs: monotonicToWallOffset() };
      this.reader = obj.readRingBuffer('events', (batch: RecordBatch) => this.onEvents(batch));
    }
    this.startTime = nowHrTime();
    const pair = SYSCALL_PROGRAMS[variant];
    this.links.push(obj.attach(pair.exit));
    if (needStart) this.links.push(obj.attach(pair.enter));
    this.variant = variant;
    ctx.logger.info({ component: ctx.id, variant, latency: this.latency, slow_threshold_ns: Number(this.slowThresholdNs) }, 'syscall programs attached');
  }

  /** Detaches, stops the reader and closes the object. Idempotent. */
  protected detachAll(): void {
    this.destroyLinks(this.links.splice(0));
  }
}
