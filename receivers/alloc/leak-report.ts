/**
 * The leak report of one interval: outstanding blocks older than min_age,
 * grouped by (process, stack), symbolized; the top K as log records, all of
 * them as an inuse_space/inuse_objects profile.
 */
import type { HrTime, LogRecord, Resource, Scope } from '../../core/signals';
import type { Profile } from '../../core/profile/types';
import type { Frame, Symbolizer } from '../../core/symbolize/types';
import type { LeakGroup } from './decode';

/** The event name of a leak report record. */
export const LEAK_EVENT_NAME = 'process.memory.leak';
/** OpenTelemetry severity number of WARN. */
const SEVERITY_WARN = 13;

/** One stack of the report, symbolized and scaled by sample_every. */
export interface LeakStack {
  pid: number;
  comm: string;
  /** Estimated outstanding blocks and bytes (tracked ones times sample_every). */
  count: number;
  bytes: number;
  /** How long the oldest block has been outstanding, ns. */
  ageNs: number;
  /** Leaf first: the function that called the allocator first. */
  frames: Frame[];
}

/** What turning groups into stacks needs. */
export interface ReportInputs {
  groups: readonly LeakGroup[];
  /** The stack's addresses by id (innermost first); empty when unknown. */
  stackOf: (stackId: number) => bigint[];
  symbolizer: Symbolizer;
  commOf: (pid: number) => string;
  sampleEvery: number;
  nowNs: bigint;
}

/**
 * Every address in a stack is a return address (at the return probe even
 * the first frame is the caller's next instruction): one byte back is
 * inside the call instruction, so the call's line and function, never the
 * next function's when the call is the last instruction.
 */
export function callSites(addresses: readonly bigint[]): bigint[] {
  return addresses.map((a) => (a > 0n ? a - 1n : a));
}

/** Symbolizes the groups, in their order. */
export function leakStacks(inputs: ReportInputs): LeakStack[] {
  return inputs.groups.map((g) => {
    const addresses = g.stackId >= 0 ? inputs.stackOf(g.stackId) : [];
    return {
      pid: g.pid,
      comm: inputs.commOf(g.pid),
      count: g.count * inputs.sampleEvery,
      bytes: g.bytes * inputs.sampleEvery,
      ageNs: Number(inputs.nowNs - g.oldestNs),
      frames: addresses.length > 0 ? inputs.symbolizer.symbolizeUser(g.pid, callSites(addresses)) : [],
    };
  });
}

/** A frame as one line of a stack: `name` (its module is in the name when the symbol is unknown). */
export function frameLine(frame: Frame): string {
  return frame.name;
}

/** What every record shares. */
export interface RecordContext {
  resource: Resource;
  scope: Scope;
  time: HrTime;
  minAgeMs: number;
}

/** The top stacks as `process.memory.leak` log records, rank 1 first. */
export function leakRecords(stacks: readonly LeakStack[], ctx: RecordContext): LogRecord[] {
  return stacks.map((s, i) => {
    const stack = s.frames.length > 0 ? s.frames.map(frameLine) : ['[unknown stack]'];
    return {
      resource: ctx.resource,
      scope: ctx.scope,
      time: ctx.time,
      observedTime: ctx.time,
      severityNumber: SEVERITY_WARN,
      severityText: 'WARN',
      eventName: LEAK_EVENT_NAME,
      body: `${s.bytes} bytes in ${s.count} blocks outstanding for more than ${ctx.minAgeMs} ms, allocated at ${stack[0]}`,
      attributes: {
        'process.pid': s.pid,
        'process.executable.name': s.comm,
        'process.memory.leak.rank': i + 1,
        'process.memory.leak.bytes': s.bytes,
        'process.memory.leak.count': s.count,
        'process.memory.leak.age_ms': Math.round(s.ageNs / 1e6),
        'process.memory.leak.stack': stack,
      },
    };
  });
}

/**
 * Every stack as one sample of an inuse_space/inuse_objects profile (bytes
 * first: the folded and flame graph writers draw the first value).
 */
export function leakProfile(stacks: readonly LeakStack[], startTime: HrTime, durationNs: number): Profile {
  return {
    sampleTypes: [{ type: 'inuse_space', unit: 'bytes' }, { type: 'inuse_objects', unit: 'count' }],
    periodType: { type: 'space', unit: 'bytes' },
    period: 1,
    startTime,
    durationNs,
    samples: stacks.map((s) => ({ stack: s.frames, values: [s.bytes, s.count], labels: { pid: s.pid, comm: s.comm } })),
  };
}
