/**
 * The `blockio` receiver: loads bpf/blockio.bpf.o, pushes the disk filter
 * into the kernel, reads the per-CPU (disk, direction) series every
 * `collection_interval` and streams slow requests as `disk.request` spans.
 */
import { BpfReceiver } from '../../core/kernel/bpf-receiver';
import { errorMessage } from '../../core/error-message';
import type { CreateContext } from '../../core/component';
import type { HrTime, Scope, SpanRecord } from '../../core/signals';
import { nowHrTime } from '../../core/signals';
import { DEFAULT_MAX_SERIES, SeriesLimiter } from '../../core/cardinality';
import { parseDuration } from '../../core/config/duration';
import { AGENT_VERSION } from '../../core/version';
import type { Link, RecordBatch } from '../../native/api';
import { builtBpfObjectPath } from '../../core/kernel/bpf-object';
import { monotonicToWallOffset } from '../../core/kernel/clock';
import { randomIds } from '../../core/kernel/span-ids';
import { FILTER_PRESENT } from '../../core/kernel/process-filters';
import {
  DEFAULT_COLLECTION_INTERVAL, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_IN_FLIGHT, DEFAULT_QUEUE_TIME, DEFAULT_SLOW_THRESHOLD, type BlockioConfig,
} from './config';
import { decodeSeries, decodeSlowRequests, slowRequestToSpan, toMetricRecords, type SpanContext } from './decode';
import {
  BLOCKIO_DROP_COMPLETION_UNSEEN, BLOCKIO_DROP_ISSUE_UNSEEN, BLOCKIO_DROP_MAP_FULL, BLOCKIO_DROP_RINGBUF_FULL, BLOCKIO_DROP_START_FULL,
} from './layout';
import { deviceNames, majorMinor, resolveDevices, SYS_CLASS_BLOCK } from './devices';

/** The two program sets in bpf/blockio.bpf.c, by hook. */
export const BLOCKIO_PROGRAMS = {
  tp_btf: { insert: 'rq_btf_insert', issue: 'rq_btf_issue', merge: 'rq_btf_merge', complete: 'rq_btf_complete' },
  raw_tp: { insert: 'rq_raw_insert', issue: 'rq_raw_issue', merge: 'rq_raw_merge', complete: 'rq_raw_complete' },
} as const;

/** Which program set to load: `tp_btf` is preferred, `raw_tp` the fallback. */
export type BlockioVariant = keyof typeof BLOCKIO_PROGRAMS;

/** The BPF side wakes the reader once this many bytes of slow requests wait (or every {@link EVENTS_MAX_LATENCY_MS}). */
export const EVENTS_WAKEUP_BYTES = 64 * 1024;
/** Most time a slow request waits in the ring buffer before the reader takes it, ms. */
export const EVENTS_MAX_LATENCY_MS = 100;
/** Sysfs is read again for an unknown disk at most this often, ms. */
export const NAMES_REFRESH_MS = 1000;

/** Options for tests and benchmarks; the engine passes none. */
export interface BlockioReceiverOptions {
  /** Force a program set (default: `tp_btf`, then `raw_tp` if it fails to load). */
  variant?: BlockioVariant;
  /** The compiled object (default: `bpf/.output/blockio.bpf.o` of this package). */
  objectPath?: string;
  /** Where block devices are listed (default /sys/class/block). */
  sysClassBlock?: string;
}

/** Disk request counts, bytes and latency, aggregated in the kernel; slow requests as spans. */
export class BlockioReceiver extends BpfReceiver {
  private readonly scope: Scope = { name: 'ebpf-pipeline/receiver/blockio', version: AGENT_VERSION };
  private readonly limiter: SeriesLimiter;
  private readonly queueTime: boolean;
  private readonly slowThresholdNs: bigint;
  private readonly sysClassBlock: string;
  private names = new Map<number, string>();
  private namesReadAt = 0;
  private links: Link[] = [];
  private startTime: HrTime = nowHrTime();
  private spanCtx?: SpanContext;
  /** The program set in use, once started. */
  variant?: BlockioVariant;

  constructor(private readonly config: BlockioConfig, ctx: CreateContext, private readonly options: BlockioReceiverOptions = {}) {
    super(ctx, parseDuration(config.collection_interval ?? DEFAULT_COLLECTION_INTERVAL));
    this.limiter = new SeriesLimiter(config.max_series ?? DEFAULT_MAX_SERIES, ctx.telemetry);
    this.queueTime = config.queue_time ?? DEFAULT_QUEUE_TIME;
    this.slowThresholdNs = BigInt(Math.round(parseDuration(config.slow_threshold ?? DEFAULT_SLOW_THRESHOLD) * 1e6));
    this.sysClassBlock = options.sysClassBlock ?? SYS_CLASS_BLOCK;
  }

  /** The name of a disk by kernel dev_t; sysfs is read again (rate-limited) for one not seen before. */
  deviceName(dev: number): string {
    let name = this.names.get(dev);
    if (name === undefined && Date.now() - this.namesReadAt >= NAMES_REFRESH_MS) {
      this.names = deviceNames(this.sysClassBlock);
      this.namesReadAt = Date.now();
      name = this.names.get(dev);
    }
    return name ?? majorMinor(dev);
  }

  /** Reads the kernel maps now and emits one metrics batch (the interval calls this). */
  collect(): void {
    const obj = this.obj;
    if (!obj) return;
    try {
      const records = toMetricRecords(decodeSeries(obj.map('hists').entries()), {
        resource: this.ctx.resource, scope: this.scope, startTime: this.startTime, time: nowHrTime(),
        limiter: this.limiter, deviceName: (dev) => this.deviceName(dev),
      });
      this.countKernelDrops([
        [BLOCKIO_DROP_RINGBUF_FULL, 'ringbuf_full'], [BLOCKIO_DROP_MAP_FULL, 'map_full'], [BLOCKIO_DROP_START_FULL, 'start_full'],
        [BLOCKIO_DROP_COMPLETION_UNSEEN, 'completion_unseen'], [BLOCKIO_DROP_ISSUE_UNSEEN, 'issue_unseen'],
      ]);
      if (this.variant) this.countRecursionMisses(Object.values(BLOCKIO_PROGRAMS[this.variant]));
      if (records.length > 0) this.subject.next({ signal: 'metrics', records });
    } catch (err) {
      this.ctx.logger.error({ component: this.ctx.id, err: errorMessage(err) }, 'reading the blockio maps failed');
    }
  }

  /** One batch of spans per batch the ring-buffer reader hands over. */
  private onEvents(batch: RecordBatch): void {
    if (!this.spanCtx) return;
    const events = this.wellFormed(decodeSlowRequests(batch));
    if (events.length === 0) return;
    const ids = randomIds(events.length);
    const spans: SpanRecord[] = events.map((e, i) => slowRequestToSpan(e, this.spanCtx as SpanContext, ids[i]));
    this.subject.next({ signal: 'traces', records: spans });
  }

  protected async load(): Promise<void> {
    const { config, ctx } = this;
    const path = builtBpfObjectPath(ctx.id, 'blockio', this.options.objectPath);
    const { devs, problems } = resolveDevices(config.devices ?? [], this.sysClassBlock);
    if (problems.length > 0) throw new Error(`${ctx.id}: devices: ${problems.map((p) => p.message).join('; ')}`);
    const needInsert = this.queueTime || this.slowThresholdNs > 0n;
    this.names = deviceNames(this.sysClassBlock);
    this.namesReadAt = Date.now();

    const variants: BlockioVariant[] = this.options.variant ? [this.options.variant] : ['tp_btf', 'raw_tp'];
    const { obj, variant } = await this.loadFirstVariant(path, variants, (obj, v) => {
      obj.setConst('queue_time', this.queueTime);
      obj.setConst('slow_threshold_ns', this.slowThresholdNs);
      obj.setConst('filter_devs_on', devs.length > 0);
      obj.setConst('wakeup_data_size', EVENTS_WAKEUP_BYTES);
      obj.setMaxEntries('hists', config.max_entries ?? DEFAULT_MAX_ENTRIES);
      obj.setMaxEntries('start', config.max_in_flight ?? DEFAULT_MAX_IN_FLIGHT);
      for (const [name, set] of Object.entries(BLOCKIO_PROGRAMS)) {
        obj.setAutoload(set.issue, name === v);
        obj.setAutoload(set.complete, name === v);
        obj.setAutoload(set.insert, name === v && needInsert);
        obj.setAutoload(set.merge, name === v && needInsert);
      }
    });

    // The filter goes in before the programs are attached, so no request is counted unfiltered.
    for (const dev of devs) {
      const key = Buffer.alloc(4);
      key.writeUInt32LE(dev);
      obj.map('filter_devs').update(key, FILTER_PRESENT);
    }

    if (this.slowThresholdNs > 0n) {
      this.spanCtx = { resource: ctx.resource, scope: this.scope, wallOffsetNs: monotonicToWallOffset(), deviceName: (dev) => this.deviceName(dev) };
      this.reader = obj.readRingBuffer('events', (batch: RecordBatch) => this.onEvents(batch), { maxLatencyMs: EVENTS_MAX_LATENCY_MS });
    }
    this.startTime = nowHrTime();
    // Completion first, then issue, then insert: a request is never started without its end hooked.
    const set = BLOCKIO_PROGRAMS[variant];
    this.links.push(obj.attach(set.complete));
    if (needInsert) this.links.push(obj.attach(set.merge));
    this.links.push(obj.attach(set.issue));
    if (needInsert) this.links.push(obj.attach(set.insert));
    this.variant = variant;
    ctx.logger.info({ component: ctx.id, variant, queue_time: this.queueTime, slow_threshold_ns: Number(this.slowThresholdNs) }, 'blockio programs attached');
  }

  /** Detaches every link (the base class stops the reader and closes the object). */
  protected detachAll(): void {
    this.destroyLinks(this.links.splice(0));
  }
}
