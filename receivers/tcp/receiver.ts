/**
 * The `tcp` receiver: loads bpf/tcp.bpf.o, pushes the config's filters into
 * the kernel, reads the per-CPU series every `collection_interval` and
 * streams every closed connection as a span and a log record (one batch of
 * each per batch of the ring-buffer reader), each only when a pipeline of
 * that signal takes this receiver's output; with neither, the kernel streams nothing.
 */
import { BpfReceiver } from '../../core/kernel/bpf-receiver';
import { errorMessage } from '../../core/error-message';
import type { CreateContext } from '../../core/component';
import type { HrTime, Scope, Signal } from '../../core/signals';
import { nowHrTime } from '../../core/signals';
import { DEFAULT_MAX_SERIES, SeriesLimiter } from '../../core/cardinality';
import { parseDuration } from '../../core/config/duration';
import { AGENT_VERSION } from '../../core/version';
import type { Link, RecordBatch } from '../../native/api';
import {
  DEFAULT_COLLECTION_INTERVAL, DEFAULT_CONNECTION_EVENTS, DEFAULT_IGNORE_LOOPBACK, DEFAULT_INCLUDE_SELF, DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_ENTRIES, DEFAULT_PEER_ATTRIBUTES, DEFAULT_RTT_SAMPLE_INTERVAL, type TcpConfig,
} from './config';
import { decodeSeries, toMetricRecords } from './decode';
import { CloseEventDecoder, connectionLogRecord } from './close-events';
import { TCP_DROP_MAP_FULL, TCP_DROP_RINGBUF_FULL, TCP_DROP_START_FULL } from './layout';
import { builtBpfObjectPath } from '../../core/kernel/bpf-object';
import { FILTER_PRESENT, ProcessFilters } from '../../core/kernel/process-filters';
import { monotonicToWallOffset } from '../../core/kernel/clock';

/** The two program sets in bpf/tcp.bpf.c, by hook. */
export const TCP_PROGRAMS = {
  tp_btf: ['tcp_btf_state', 'tcp_btf_retransmit', 'tcp_btf_send_reset', 'tcp_btf_recv_reset', 'tcp_btf_probe'],
  raw_tp: ['tcp_raw_state', 'tcp_raw_retransmit', 'tcp_raw_send_reset', 'tcp_raw_recv_reset', 'tcp_raw_probe'],
} as const;

/** Which program set to load: `tp_btf` is preferred, `raw_tp` the fallback. */
export type TcpVariant = keyof typeof TCP_PROGRAMS;

/**
 * The BPF side wakes the reader only once this many bytes wait in the ring
 * buffer ; the reader also polls every {@link EVENTS_MAX_LATENCY_MS} / 4,
 * so events are never late by more than that. Fewer wakeups under load.
 */
export const EVENTS_WAKEUP_BYTES = 64 * 1024;
/** Most time a close event waits in the ring buffer before the reader takes it, ms. */
export const EVENTS_MAX_LATENCY_MS = 100;

/** Options for tests and benchmarks; the engine passes none. */
export interface TcpReceiverOptions {
  /** Force a program set (default: `tp_btf`, then `raw_tp` if it fails to load). */
  variant?: TcpVariant;
  /** The compiled object (default: `bpf/.output/tcp.bpf.o` of this package). */
  objectPath?: string;
}

/** A `__u16` little-endian map key. */
function u16Key(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}


/** TCP connection lifecycle, retransmits, resets and RTT, aggregated in the kernel; closed connections as spans and logs. */
export class TcpReceiver extends BpfReceiver {
  private readonly scope: Scope = { name: 'ebpf-pipeline/receiver/tcp', version: AGENT_VERSION };
  private readonly limiter: SeriesLimiter;
  private links: Link[] = [];
  private startTime: HrTime = nowHrTime();
  private events?: CloseEventDecoder;
  /** Which of the close events' signals to emit: those of the pipelines this receiver feeds (both when unknown). */
  private readonly emit: { traces: boolean; logs: boolean };
  /** The program set in use, once started. */
  variant?: TcpVariant;
  /** Whether the kernel streams close events, once started: `connection_events` and a traces or logs pipeline to take them. */
  streamsEvents = false;

  constructor(private readonly config: TcpConfig, ctx: CreateContext, private readonly options: TcpReceiverOptions = {}) {
    super(ctx, parseDuration(config.collection_interval ?? DEFAULT_COLLECTION_INTERVAL));
    this.limiter = new SeriesLimiter(config.max_series ?? DEFAULT_MAX_SERIES, ctx.telemetry);
    const wired = (signal: Signal): boolean => !ctx.signals || ctx.signals.includes(signal);
    this.emit = { traces: wired('traces'), logs: wired('logs') };
  }

  /** Reads the kernel maps now and emits one batch per signal (the interval calls this). */
  collect(): void {
    const obj = this.obj;
    if (!obj) return;
    try {
      const records = toMetricRecords(decodeSeries(obj.map('hists').entries()), {
        resource: this.ctx.resource, scope: this.scope, startTime: this.startTime, time: nowHrTime(), limiter: this.limiter,
      });
      this.countKernelDrops([[TCP_DROP_RINGBUF_FULL, 'ringbuf_full'], [TCP_DROP_MAP_FULL, 'map_full'], [TCP_DROP_START_FULL, 'start_full']]);
      // A state change missed for recursion (softirq over the same program on that CPU) is a connection not counted.
      if (this.variant) this.countRecursionMisses(TCP_PROGRAMS[this.variant]);
      if (records.length > 0) this.subject.next({ signal: 'metrics', records });
    } catch (err) {
      this.ctx.logger.error({ component: this.ctx.id, err: errorMessage(err) }, 'reading the tcp maps failed');
    }
  }

  /** Emits one batch of spans and one of log records (those wired) per batch the ring-buffer reader hands over (every 100 ms at most). */
  private onEvents(batch: RecordBatch): void {
    if (!this.events) return;
    const spans = this.wellFormed(this.events.decode(batch));
    if (spans.length === 0) return;
    if (this.emit.traces) this.subject.next({ signal: 'traces', records: spans });
    if (this.emit.logs) this.subject.next({ signal: 'logs', records: spans.map(connectionLogRecord) });
  }

  protected async load(): Promise<void> {
    const { config, ctx } = this;
    const path = builtBpfObjectPath(ctx.id, 'tcp', this.options.objectPath);
    const filters = new ProcessFilters(config, false);
    const ports = config.ports ?? [];
    // Nothing takes spans or log records: the kernel does not stream close events at all.
    const events = (config.connection_events ?? DEFAULT_CONNECTION_EVENTS) && (this.emit.traces || this.emit.logs);

    const variants: TcpVariant[] = this.options.variant ? [this.options.variant] : ['tp_btf', 'raw_tp'];
    const { obj, variant } = await this.loadFirstVariant(path, variants, (obj, v) => {
      obj.setConst('self_pid', (config.include_self ?? DEFAULT_INCLUDE_SELF) ? 0 : process.pid);
      obj.setConst('peer_attributes', config.peer_attributes ?? DEFAULT_PEER_ATTRIBUTES);
      obj.setConst('emit_events', events);
      obj.setConst('wakeup_data_size', EVENTS_WAKEUP_BYTES);
      obj.setConst('rtt_sample_interval_ns', BigInt(Math.round(parseDuration(config.rtt_sample_interval ?? DEFAULT_RTT_SAMPLE_INTERVAL) * 1e6)));
      obj.setConst('ignore_loopback', config.ignore_loopback ?? DEFAULT_IGNORE_LOOPBACK);
      filters.setConsts(obj);
      obj.setConst('filter_ports_on', ports.length > 0);
      obj.setMaxEntries('hists', config.max_entries ?? DEFAULT_MAX_ENTRIES);
      obj.setMaxEntries('start', config.max_connections ?? DEFAULT_MAX_CONNECTIONS);
      for (const [name, programs] of Object.entries(TCP_PROGRAMS)) {
        for (const p of programs) obj.setAutoload(p, name === v);
      }
    });

    // Filters go in before the programs are attached, so no connection is tracked unfiltered.
    filters.fillMaps(obj);
    for (const port of ports) obj.map('filter_ports').update(u16Key(port), FILTER_PRESENT);

    if (events) {
      this.events = new CloseEventDecoder({ resource: ctx.resource, scope: this.scope, wallOffsetNs: monotonicToWallOffset() });
      this.reader = obj.readRingBuffer('events', (batch: RecordBatch) => this.onEvents(batch), { maxLatencyMs: EVENTS_MAX_LATENCY_MS });
    }
    this.streamsEvents = events;
    this.startTime = nowHrTime();
    for (const p of TCP_PROGRAMS[variant]) this.links.push(obj.attach(p));
    this.variant = variant;
    ctx.logger.info({ component: ctx.id, variant }, 'tcp programs attached');
  }

  /** Detaches, stops the reader and closes the object. Idempotent. */
  protected detachAll(): void {
    this.destroyLinks(this.links.splice(0));
  }
}
