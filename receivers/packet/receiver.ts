/**
 * The `packet` receiver: loads bpf/packet.bpf.o, attaches its two tc
 * programs (ingress, egress) to every selected interface, follows
 * interfaces as they come and go, and reads the per-CPU aggregates every
 * `collection_interval`.
 */
import { BpfReceiver } from '../../core/kernel/bpf-receiver';
import { errorMessage } from '../../core/error-message';
import type { CreateContext } from '../../core/component';
import type { HrTime, Scope } from '../../core/signals';
import { nowHrTime } from '../../core/signals';
import { DEFAULT_MAX_SERIES, SeriesLimiter } from '../../core/cardinality';
import { parseDuration } from '../../core/config/duration';
import { AGENT_VERSION } from '../../core/version';
import type { BpfObject, Link } from '../../native/api';
import {
  DEFAULT_COLLECTION_INTERVAL, DEFAULT_FLOWS_ENABLED, DEFAULT_FLOWS_MAX_ENTRIES, DEFAULT_FLOWS_TOP_K,
  DEFAULT_INTERFACE_POLL_INTERVAL, DEFAULT_MAX_ENTRIES, type PacketConfig,
} from './config';
import { decodeCounts, decodeFlows, toMetricRecords, topFlows, type FlowEntry } from './decode';
import { InterfaceSelector, listInterfaces, missingInterfaces, type NetInterface } from './interfaces';
import { PACKET_DROP_MAP_FULL } from './layout';
import { builtBpfObjectPath, openBpfObject } from '../../core/kernel/bpf-object';

/** The programs of bpf/packet.bpf.c, by tc direction. */
export const PACKET_PROGRAMS = { ingress: 'pkt_ingress', egress: 'pkt_egress' } as const;

/** Options for tests and benchmarks; the engine passes none. */
export interface PacketReceiverOptions {
  /** The compiled object (default: `bpf/.output/packet.bpf.o` of this package). */
  objectPath?: string;
  /** Where interfaces are listed (default /sys/class/net). */
  sysClassNet?: string;
}

/** The `port_mask` bitmap (`__u64[1024]`, little-endian) of a set of ports. */
export function portMask(ports: Iterable<number>): Buffer {
  const mask = Buffer.alloc(65536 / 8);
  for (const p of ports) {
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new Error(`port ${p} is not in 0..65535`);
    mask[p >> 3] |= 1 << (p & 7);
  }
  return mask;
}


interface Attached {
  ifindex: number;
  links: Link[];
}

/** Packets, bytes and packet sizes per interface, direction and protocol, counted in the kernel by tc programs. */
export class PacketReceiver extends BpfReceiver {
  private readonly scope: Scope = { name: 'ebpf-pipeline/receiver/packet', version: AGENT_VERSION };
  private readonly selector: InterfaceSelector;
  private readonly limiter: SeriesLimiter;
  private readonly flowsOn: boolean;
  /** Interfaces our programs are attached to, by name. */
  private readonly attached = new Map<string, Attached>();
  /** Interface names by ifindex, kept after an interface goes (its series stay named). */
  private readonly names = new Map<number, string>();
  private flowBytes = new Map<string, number>();
  private startTime: HrTime = nowHrTime();

  constructor(private readonly config: PacketConfig, ctx: CreateContext, private readonly options: PacketReceiverOptions = {}) {
    super(ctx, parseDuration(config.collection_interval ?? DEFAULT_COLLECTION_INTERVAL));
    this.selector = new InterfaceSelector(config.interfaces ?? []);
    this.limiter = new SeriesLimiter(config.max_series ?? DEFAULT_MAX_SERIES, ctx.telemetry);
    this.flowsOn = config.flows?.enabled ?? DEFAULT_FLOWS_ENABLED;
  }

  /** Names of the interfaces the programs are attached to now, sorted. */
  interfaces(): string[] {
    return [...this.attached.keys()].sort();
  }

  /** Rescans the interfaces every `interface_poll_interval` for ones that came or went. */
  protected override onRunning(): void {
    this.every(parseDuration(this.config.interface_poll_interval ?? DEFAULT_INTERFACE_POLL_INTERVAL), () => this.scan(false));
  }

  /** Reads the kernel maps now and emits one metrics batch (the interval calls this). */
  collect(): void {
    const obj = this.obj;
    if (!obj) return;
    try {
      const counts = decodeCounts(obj.map('counts').entries());
      let top: FlowEntry[] = [];
      if (this.flowsOn) {
        const flows = decodeFlows(obj.map('flows').entries());
        top = topFlows(flows, this.flowBytes, this.config.flows?.top_k ?? DEFAULT_FLOWS_TOP_K);
        this.flowBytes = new Map(flows.map((f) => [f.key, f.bytes]));
      }
      const records = toMetricRecords(counts, top, {
        resource: this.ctx.resource, scope: this.scope, names: this.names, limiter: this.limiter, startTime: this.startTime, time: nowHrTime(),
      });
      this.countKernelDrops([[PACKET_DROP_MAP_FULL, 'map_full']]);
      if (records.length > 0) this.subject.next({ signal: 'metrics', records });
    } catch (err) {
      this.ctx.logger.error({ component: this.ctx.id, err: errorMessage(err) }, 'reading the packet maps failed');
    }
  }

  /**
   * Attaches to the selected interfaces not attached yet (or whose ifindex
   * changed: deleted and created again), detaches from those gone or no
   * longer selected. At start (`strict`), a failure is an error; later it is
   * logged and retried at the next scan.
   */
  scan(strict: boolean): void {
    if (!this.obj) return;
    let present: NetInterface[];
    try {
      present = listInterfaces(this.options.sysClassNet);
    } catch (err) {
      if (strict) throw err;
      this.ctx.logger.warn({ component: this.ctx.id, err: errorMessage(err) }, 'listing interfaces failed');
      return;
    }
    const wanted = new Map(this.selector.select(present).map((i) => [i.name, i]));
    for (const [name, a] of this.attached) {
      if (wanted.get(name)?.ifindex === a.ifindex) continue;
      this.detach(name, a);
      this.ctx.logger.info({ component: this.ctx.id, interface: name }, 'interface gone: detached');
    }
    for (const itf of wanted.values()) {
      if (this.attached.has(itf.name)) continue;
      try {
        this.attach(itf);
      } catch (err) {
        if (strict) throw new Error(`${this.ctx.id}: attaching to interface "${itf.name}" failed: ${errorMessage(err)}`, { cause: err });
        this.ctx.logger.warn({ component: this.ctx.id, interface: itf.name, err: errorMessage(err) }, 'attaching failed; retrying at the next scan');
      }
    }
  }

  private attach(itf: NetInterface): void {
    const obj = this.obj as BpfObject;
    const links: Link[] = [];
    try {
      for (const direction of ['ingress', 'egress'] as const) {
        links.push(obj.attach(PACKET_PROGRAMS[direction], { kind: 'tc', ifname: itf.name, direction }));
      }
    } catch (err) {
      for (const l of links) l.destroy();
      throw err;
    }
    this.attached.set(itf.name, { ifindex: itf.ifindex, links });
    this.names.set(itf.ifindex, itf.name);
    this.ctx.logger.info({ component: this.ctx.id, interface: itf.name, ifindex: itf.ifindex }, 'tc programs attached');
  }

  private detach(name: string, a: Attached): void {
    this.attached.delete(name);
    for (const link of a.links) {
      try {
        link.destroy();
      } catch (err) {
        this.ctx.logger.warn({ component: this.ctx.id, interface: name, err: errorMessage(err) }, 'detaching failed');
      }
    }
  }

  protected async load(): Promise<void> {
    const { config, ctx } = this;
    const path = builtBpfObjectPath(ctx.id, 'packet', this.options.objectPath);
    const missing = missingInterfaces(config.interfaces ?? [], listInterfaces(this.options.sysClassNet));
    if (missing.length > 0) throw new Error(`${ctx.id}: ${missingMessage(missing)}`);
    const ports = config.flows?.ports ?? [];
    const obj = openBpfObject(path);
    this.obj = obj;
    obj.setConst('flows_on', this.flowsOn);
    obj.setConst('filter_ports_on', ports.length > 0);
    obj.setConst('port_mask', portMask(ports));
    obj.setMaxEntries('counts', config.max_entries ?? DEFAULT_MAX_ENTRIES);
    obj.setMaxEntries('flows', this.flowsOn ? (config.flows?.max_entries ?? DEFAULT_FLOWS_MAX_ENTRIES) : 1);
    try {
      await obj.load();
    } catch (err) {
      throw new Error(`${ctx.id}: loading the tc programs failed: ${errorMessage(err)}`, { cause: err });
    }
    if (this.state !== 'starting') return;
    this.startTime = nowHrTime();
    this.scan(true);
    ctx.logger.info({ component: ctx.id, interfaces: this.interfaces(), flows: this.flowsOn }, 'packet programs attached');
  }

  /** Detaches from every interface and closes the object. Idempotent. */
  protected detachAll(): void {
    for (const [name, a] of [...this.attached]) this.detach(name, a);
  }
}

/** The message for plain interface names that do not exist. */
export function missingMessage(missing: readonly string[]): string {
  const list = missing.map((n) => `"${n}"`).join(', ');
  return `interface${missing.length > 1 ? 's' : ''} ${list} not found (see ip link; use a glob pattern such as "eth*" to follow interfaces that come later, or mark the receiver optional: true)`;
}
