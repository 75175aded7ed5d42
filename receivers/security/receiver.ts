/**
 * The `security` receiver: loads bpf/security.bpf.o, pushes the watched
 * prefixes and the syscall table into the kernel, streams the events, keeps
 * the process table, and emits one log record per event (events.ts is the
 * contract) and a `security.events_dropped` record when losses grew.
 */
import { readlinkSync } from 'node:fs';
import { BpfReceiver } from '../../core/kernel/bpf-receiver';
import { builtBpfObjectPath } from '../../core/kernel/bpf-object';
import { monotonicToWallOffset, nsToHrTime } from '../../core/kernel/clock';
import { sumPerCpu } from '../../core/kernel/bpf-records';
import { parseDuration } from '../../core/config/duration';
import { errorMessage } from '../../core/error-message';
import { AGENT_VERSION } from '../../core/version';
import type { CreateContext } from '../../core/component';
import type { Attributes, LogRecord, Scope } from '../../core/signals';
import { nowHrTime } from '../../core/signals';
import type { Link, RecordBatch } from '../../native/api';
import { syscallName, syscallTable, type SyscallTable } from '../syscall/syscall-table';
import { cgroup2Mount } from '../../core/kernel/cgroup';
import { CgroupPaths, containerIdOf } from './cgroups';
import {
  DEFAULT_ANCESTRY_DEPTH, DEFAULT_COLLECTION_INTERVAL, DEFAULT_EXITED_GRACE, DEFAULT_INCLUDE_SELF, DEFAULT_MAX_ARGS_BYTES,
  DEFAULT_PROCESS_TABLE_SIZE, DEFAULT_RATE_LIMIT_BURST, DEFAULT_RATE_LIMIT_EVENTS_PER_SECOND, DEFAULT_RING_BUFFER_SIZE,
  DEFAULT_STASH_SIZE, DEFAULT_WATCHED_PATHS, type SecurityConfig,
} from './config';
import { decodeSecurityEvents, eventAttributes, KIND_EVENT_NAMES, SYSCALL_HANDLERS, type RawSecurityEvent } from './decode';
import { SECURITY_EVENT_NAMES, type SecurityEventName } from './events';
import { SEC_DROP, SEC_EV, SEC_MAX_SYSCALL_ID, SEC_N_KINDS, SEC_PREFIX_KEY, SEC_STR_LEN } from './layout';
import { ProcessTable, readBootId, splitArgs, type ProcessEntry } from './process-table';

/** The programs of bpf/security.bpf.c by variant: the same bodies on tp_btf (the default) and raw_tp (the fallback). */
export const SECURITY_PROGRAMS = {
  tp_btf: { lifecycle: ['sec_exec', 'sec_fork', 'sec_exit'], syscalls: ['sec_sys_enter', 'sec_sys_exit'] },
  raw_tp: { lifecycle: ['sec_raw_exec', 'sec_raw_fork', 'sec_raw_exit'], syscalls: ['sec_rsys_enter', 'sec_rsys_exit'] },
} as const;

/** A set of programs of bpf/security.bpf.c that can be loaded. */
export type SecurityVariant = keyof typeof SECURITY_PROGRAMS;

/** Bytes waiting in the ring buffer before the kernel wakes the reader (it also polls every few ms). */
export const EVENTS_WAKEUP_BYTES = 64 * 1024;
/** Most time an event waits in the ring buffer before the reader takes it, ms. */
export const EVENTS_MAX_LATENCY_MS = 50;

/** Kernel drop reasons by `SEC_DROP_*` index, as counted in telemetry and `security.dropped.reason`. */
export const KERNEL_DROP_REASONS: ReadonlyArray<readonly [index: number, reason: string]> = [
  [SEC_DROP.RINGBUF_FULL, 'ring_buffer_full'], [SEC_DROP.RATE_LIMITED, 'rate_limited'], [SEC_DROP.STASH_FULL, 'stash_full'],
];

/** Options for tests and benchmarks; the engine passes none. */
export interface SecurityReceiverOptions {
  /** The compiled object (default: `bpf/.output/security.bpf.o` of this package). */
  objectPath?: string;
  /** Only this program variant (default: tp_btf, then raw_tp when the kernel refuses it). */
  variant?: SecurityVariant;
}

/** The `sc_handler` table (`__u8[SEC_MAX_SYSCALL_ID]`) for the enabled events on this architecture. */
export function handlerTable(table: SyscallTable, enabled: ReadonlySet<string>): Buffer {
  const out = Buffer.alloc(SEC_MAX_SYSCALL_ID);
  for (const [name, handler, event] of SYSCALL_HANDLERS) {
    const id = table.ids.get(name);
    if (id === undefined || id >= SEC_MAX_SYSCALL_ID || !enabled.has(event)) continue;
    out[id] = handler;
  }
  return out;
}

/** A key of `watched_prefixes` for one prefix. */
export function prefixKey(prefix: string): Buffer {
  const key = Buffer.alloc(SEC_PREFIX_KEY.size);
  const bytes = Buffer.from(prefix, 'utf8');
  if (bytes.length >= SEC_STR_LEN) throw new Error(`watched path "${prefix}" is longer than ${SEC_STR_LEN - 1} bytes`);
  key.writeUInt32LE(bytes.length * 8, SEC_PREFIX_KEY.members.prefixlen.offset);
  bytes.copy(key, SEC_PREFIX_KEY.members.path.offset);
  return key;
}

/** Per-process security events from eBPF, as log records. */
export class SecurityReceiver extends BpfReceiver {
  private readonly scope: Scope = { name: 'ebpf-pipeline/receiver/security', version: AGENT_VERSION };
  private readonly table: SyscallTable;
  private readonly enabled: ReadonlySet<string>;
  private readonly depth: number;
  private readonly maxArgsBytes: number;
  private links: Link[] = [];
  private wallOffsetNs = 0n;
  private readonly kindDropTotals = new Map<number, number>();
  /** The process table (exposed for tests). */
  readonly processes: ProcessTable;
  private readonly cgroups: CgroupPaths;
  /** The program variant in use once started. */
  variant?: SecurityVariant;

  constructor(private readonly config: SecurityConfig, ctx: CreateContext, private readonly options: SecurityReceiverOptions = {}) {
    super(ctx, parseDuration(config.collection_interval ?? DEFAULT_COLLECTION_INTERVAL));
    this.table = syscallTable();
    this.enabled = new Set<string>(config.events ?? SECURITY_EVENT_NAMES);
    this.depth = config.ancestry_depth ?? DEFAULT_ANCESTRY_DEPTH;
    this.maxArgsBytes = config.max_args_bytes ?? DEFAULT_MAX_ARGS_BYTES;
    let bootId = 'unknown';
    try {
      bootId = readBootId();
    } catch {
      // no procfs: exec ids still distinguish by start time and pid
    }
    this.processes = new ProcessTable(bootId, config.process_table_size ?? DEFAULT_PROCESS_TABLE_SIZE,
      parseDuration(config.exited_grace ?? DEFAULT_EXITED_GRACE));
    this.cgroups = new CgroupPaths(cgroup2Mount());
  }

  /** Reads the kernel drop counts (a `security.events_dropped` record per reason and event that grew) and sweeps the table. */
  collect(): void {
    const obj = this.obj;
    if (!obj) return;
    const records: LogRecord[] = [];
    try {
      const drops = obj.map('drops');
      for (const [index, reason] of KERNEL_DROP_REASONS) {
        let grew = 0;
        for (let kind = 0; kind < SEC_N_KINDS; kind++) {
          const slot = index * SEC_N_KINDS + kind;
          const key = Buffer.alloc(4);
          key.writeUInt32LE(slot);
          const total = sumPerCpu(drops.lookupPerCpu(key));
          const delta = total - (this.kindDropTotals.get(slot) ?? 0);
          this.kindDropTotals.set(slot, total);
          if (delta <= 0) continue;
          grew += delta;
          records.push(this.droppedRecord(reason, delta, KIND_EVENT_NAMES.get(kind) ?? (kind === SEC_EV.FORK ? 'process.fork' : 'unknown')));
        }
        this.ctx.telemetry.drop(reason, grew);
      }
    } catch (err) {
      this.ctx.logger.error({ component: this.ctx.id, err: errorMessage(err) }, 'reading the security drop counts failed');
    }
    this.processes.sweep();
    if (records.length > 0 && this.enabled.has('security.events_dropped')) this.subject.next({ signal: 'logs', records });
  }

  /** Kernel drop totals by reason (every kind summed), as last read; for tests. */
  kernelDrops(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [index, reason] of KERNEL_DROP_REASONS) {
      let n = 0;
      for (let kind = 0; kind < SEC_N_KINDS; kind++) n += this.kindDropTotals.get(index * SEC_N_KINDS + kind) ?? 0;
      out[reason] = n;
    }
    return out;
  }

  /** Kernel drop totals of one event kind (`SEC_EV_*`) by reason, as last read; for tests. */
  kernelDropsOf(kind: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [index, reason] of KERNEL_DROP_REASONS) out[reason] = this.kindDropTotals.get(index * SEC_N_KINDS + kind) ?? 0;
    return out;
  }

  private droppedRecord(reason: string, count: number, event: string): LogRecord {
    return {
      resource: this.ctx.resource, scope: this.scope, time: nowHrTime(), severityNumber: 13, severityText: 'WARN',
      eventName: 'security.events_dropped',
      attributes: {
        'event.name': 'security.events_dropped', 'security.dropped.reason': reason, 'security.dropped.count': count,
        'security.dropped.event.name': event,
      },
    };
  }

  private onEvents(batch: RecordBatch): void {
    const { events, malformed } = decodeSecurityEvents(batch);
    if (malformed > 0) {
      this.ctx.telemetry.drop('malformed', malformed);
      if (this.enabled.has('security.events_dropped')) {
        this.subject.next({ signal: 'logs', records: [this.droppedRecord('malformed', malformed, 'unknown')] });
      }
    }
    const records: LogRecord[] = [];
    for (const e of events) {
      try {
        const record = this.handle(e);
        if (record) records.push(record);
      } catch (err) {
        this.ctx.telemetry.drop('malformed', 1);
        this.ctx.logger.warn({ component: this.ctx.id, err: errorMessage(err) }, 'a security event could not be decoded');
      }
    }
    if (records.length > 0) this.subject.next({ signal: 'logs', records });
  }

  /** Updates the process table with one event and returns its log record (none for forks and disabled events). */
  private handle(e: RawSecurityEvent): LogRecord | undefined {
    let entry: ProcessEntry;
    const extra: Attributes = {};
    switch (e.kind) {
      case SEC_EV.FORK:
        this.processes.fork(e.pid, e.ppid, e.startBootNs, e.comm);
        return undefined;
      case SEC_EV.EXEC: {
        const args = splitArgs(e.argv ?? Buffer.alloc(0));
        entry = this.processes.exec(e.pid, e.ppid, e.args[1], e.strs[0], args, e.comm);
        extra['process.command_args'] = args;
        if (Number(e.args[0]) > (e.argv?.length ?? 0)) extra['process.command_args.truncated'] = true;
        if (e.strs[1].startsWith('memfd:')) extra['process.executable.memfd'] = true;
        try {
          extra['process.working_directory'] = readlinkSync(`/proc/${e.pid}/cwd`);
        } catch {
          // gone already: the working directory is unknown
        }
        break;
      }
      default:
        entry = this.processes.lookupOrAdd(e.pid, e.ppid, e.startBootNs, e.comm);
    }
    const name = KIND_EVENT_NAMES.get(e.kind);
    if (e.kind === SEC_EV.EXIT) this.processes.exit(e.pid);
    if (!name || !this.enabled.has(name)) return undefined;
    return this.record(name, e, entry, { ...eventAttributes(e), ...extra });
  }

  private record(name: SecurityEventName, e: RawSecurityEvent, entry: ProcessEntry, own: Attributes): LogRecord {
    const attributes: Attributes = {
      'event.name': name,
      'process.pid': e.pid,
      'process.thread.id': e.tid,
      'process.parent_pid': e.ppid,
      'process.executable.name': entry.name,
      'process.user.id': e.euid,
      'process.real_user.id': e.uid,
      'process.group.id': e.egid,
      'process.exec_id': entry.execId,
    };
    if (entry.path) attributes['process.executable.path'] = entry.path;
    if (entry.args) attributes['process.command_line'] = entry.args.join(' ');
    const cgroup = this.cgroups.path(e.cgroupId);
    if (cgroup !== undefined) {
      attributes['process.linux.cgroup'] = cgroup;
      const container = containerIdOf(cgroup);
      if (container) attributes['container.id'] = container;
    }
    const parent = this.processes.get(e.ppid);
    if (parent) {
      attributes['process.parent.exec_id'] = parent.execId;
      attributes['process.parent.executable.name'] = parent.name;
      if (parent.path) attributes['process.parent.executable.path'] = parent.path;
    }
    if (this.depth > 0) {
      const anc = this.processes.ancestry({ ...entry, ppid: e.ppid }, this.depth);
      attributes['process.ancestors.executable.name'] = anc.names;
      attributes['process.ancestors.pid'] = anc.pids;
      attributes['process.ancestors.exec_id'] = anc.execIds;
    }
    if (e.handler !== 0) {
      attributes['syscall.name'] = syscallName(this.table, e.syscallId);
      attributes['syscall.return_value'] = e.ret;
    }
    Object.assign(attributes, own);
    return {
      resource: this.ctx.resource, scope: this.scope, time: nsToHrTime(e.timeNs + this.wallOffsetNs), observedTime: nowHrTime(),
      severityNumber: 9, severityText: 'INFO', eventName: name, attributes,
    };
  }

  protected async load(): Promise<void> {
    const { config, ctx } = this;
    const path = builtBpfObjectPath(ctx.id, 'security', this.options.objectPath);
    const prefixes = (config.watched_paths ?? DEFAULT_WATCHED_PATHS).map(prefixKey);
    const rate = config.rate_limit ?? {};
    const variants = this.options.variant ? [this.options.variant] : Object.keys(SECURITY_PROGRAMS) as SecurityVariant[];
    const { obj, variant } = await this.loadFirstVariant(path, variants, (obj, v) => {
      obj.setConst('self_pid', (config.include_self ?? DEFAULT_INCLUDE_SELF) ? 0 : process.pid);
      obj.setConst('max_args_bytes', this.maxArgsBytes);
      obj.setConst('rate_per_sec', BigInt(rate.events_per_second ?? DEFAULT_RATE_LIMIT_EVENTS_PER_SECOND));
      obj.setConst('rate_burst', BigInt(rate.burst ?? DEFAULT_RATE_LIMIT_BURST));
      obj.setConst('sc_handler', handlerTable(this.table, this.enabled));
      obj.setConst('wakeup_data_size', BigInt(EVENTS_WAKEUP_BYTES));
      obj.setMaxEntries('events', config.ring_buffer_size ?? DEFAULT_RING_BUFFER_SIZE);
      obj.setMaxEntries('stash', config.stash_size ?? DEFAULT_STASH_SIZE);
      for (const [name, programs] of Object.entries(SECURITY_PROGRAMS)) {
        for (const p of [...programs.lifecycle, ...programs.syscalls]) obj.setAutoload(p, name === v);
      }
    });
    const one = Buffer.from([1]);
    for (const key of prefixes) obj.map('watched_prefixes').update(key, one);

    this.wallOffsetNs = monotonicToWallOffset();
    this.cgroups.scan();
    this.reader = obj.readRingBuffer('events', (batch: RecordBatch) => this.onEvents(batch), { maxLatencyMs: EVENTS_MAX_LATENCY_MS });
    for (const p of SECURITY_PROGRAMS[variant].lifecycle) this.links.push(obj.attach(p));
    for (const p of SECURITY_PROGRAMS[variant].syscalls) this.links.push(obj.attach(p));
    this.variant = variant;
    // Seeded after attaching: a process started in between is in /proc or in the stream.
    const seeded = this.processes.seed();
    ctx.logger.info({ component: ctx.id, variant, seeded, prefixes: prefixes.length }, 'security programs attached');
  }

  /** Detaches every program. Idempotent. */
  protected detachAll(): void {
    this.destroyLinks(this.links.splice(0));
  }
}
