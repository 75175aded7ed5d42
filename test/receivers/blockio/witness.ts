/**
 * An independent record of the block tracepoints, for the kernel tests: a
 * tracefs instance of our own records block_rq_insert/issue/merge/complete
 * of one disk with the task (and its thread group) current at each event.
 *
 * Why the tests need it: a kernel may call a tracepoint without running the
 * BPF programs attached to it, and count no recursion miss. The CI machine's
 * kernel (6.18.44-fc) skips every BPF tracing program while a task of
 * thread group 1 (the sandbox's init) is current, also in an interrupt that
 * happens to arrive over it: a block completion softirq that runs on top of
 * one of init's threads is invisible to the receiver (and to bpftrace), but
 * not to ftrace. The witness tells which of our requests had an event in
 * such a context, so the tests can assert the exact relation: every request
 * is measured unless one of its events ran in thread group 1.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { kernelDev } from '../../../receivers/blockio/devices';

/** Where tracefs is mounted. */
export const TRACEFS = '/sys/kernel/tracing';
/** The block events the witness records. */
export const WITNESSED_EVENTS = ['block_rq_insert', 'block_rq_issue', 'block_rq_merge', 'block_rq_complete'] as const;
/** The thread group whose tasks the CI kernel hides from BPF tracing programs. */
export const HIDDEN_TGID = 1;

/** One recorded tracepoint hit. */
export interface WitnessedEvent {
  event: (typeof WITNESSED_EVENTS)[number];
  /** Thread group of the task current at the event (-1: unknown). */
  tgid: number;
  comm: string;
  /** The request's rwbs (`WS`, `R`, `FF`...). */
  rwbs: string;
  sector: number;
  sectors: number;
}

/** A running witness. */
export interface Witness {
  /** Stops recording and returns every event, in order. Throws if the trace buffer lost any. */
  stop(): WitnessedEvent[];
  /** Removes the instance (safe twice). */
  remove(): void;
}

/** Why the witness cannot run here, or undefined when it can. */
export function witnessMissing(): string | undefined {
  if (!existsSync(join(TRACEFS, 'instances'))) return `${TRACEFS}/instances is missing (tracefs not mounted)`;
  if (!existsSync(join(TRACEFS, 'events', 'block', 'block_rq_complete'))) return 'no block tracepoints in tracefs';
  return undefined;
}

const LINE = /^\s*(.*)-\d+\s+\(\s*(\d+|-+)\)\s+\[\d+\]\s+\S+\s+[\d.]+: (block_rq_\w+): \d+,\d+ (\S+) (?:\d+ )?\(.*?\) (\d+) \+ (\d+)/;

/** Parses the lines of an instance's `trace` file (record-tgid on). */
export function parseWitnessTrace(text: string): WitnessedEvent[] {
  const events: WitnessedEvent[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m || !(WITNESSED_EVENTS as readonly string[]).includes(m[3])) continue;
    events.push({
      event: m[3] as WitnessedEvent['event'], tgid: /^\d+$/.test(m[2]) ? Number(m[2]) : -1, comm: m[1].trim(),
      rwbs: m[4], sector: Number(m[5]), sectors: Number(m[6]),
    });
  }
  return events;
}

/** Starts recording the block request events of the disk `dev` (kernel dev_t: major << 20 | minor). */
export function startWitness(dev: number): Witness {
  const dir = join(TRACEFS, 'instances', `ebpf-pipeline-blockio-${process.pid}`);
  mkdirSync(dir);
  const write = (path: string, value: string) => writeFileSync(join(dir, path), value);
  write('buffer_size_kb', '4096');
  write('options/record-tgid', '1');
  for (const e of WITNESSED_EVENTS) {
    write(`events/block/${e}/filter`, `dev == ${dev}`);
    write(`events/block/${e}/enable`, '1');
  }
  write('tracing_on', '1');
  let removed = false;
  return {
    stop() {
      write('tracing_on', '0');
      for (const cpu of readdirSync(join(dir, 'per_cpu'))) {
        const stats = readFileSync(join(dir, 'per_cpu', cpu, 'stats'), 'utf8');
        const lost = /^(?:overrun|dropped events): *([1-9]\d*)/m.exec(stats);
        if (lost) throw new Error(`the witness lost events on ${cpu}: ${stats}`);
      }
      return parseWitnessTrace(readFileSync(join(dir, 'trace'), 'utf8'));
    },
    remove() {
      if (removed) return;
      removed = true;
      for (const e of WITNESSED_EVENTS) write(`events/block/${e}/enable`, '0');
      rmdirSync(dir);
    },
  };
}

/** A request of ours, by direction and sector, and the events the kernel hid from BPF. */
export interface OurRequest {
  sector: number;
  /** Hooks of the request that ran in {@link HIDDEN_TGID}'s context. */
  hidden: Array<WitnessedEvent['event']>;
}

/**
 * Our requests of one direction (`W` or `R` in rwbs) on `sectors` (disk
 * sectors, each one request of `sectorsEach`), with the events of each that
 * ran in thread group {@link HIDDEN_TGID}. A sector the witness did not see
 * complete is missing from the result.
 */
export function ourRequests(events: WitnessedEvent[], op: 'W' | 'R', sectors: ReadonlySet<number>, sectorsEach: number): Map<number, OurRequest> {
  const out = new Map<number, OurRequest>();
  const pending = new Map<number, Array<WitnessedEvent['event']>>();
  for (const e of events) {
    if (!sectors.has(e.sector) || e.sectors !== sectorsEach || !e.rwbs.includes(op) || e.rwbs.startsWith('F')) continue;
    const hidden = pending.get(e.sector) ?? [];
    if (e.tgid === HIDDEN_TGID) hidden.push(e.event);
    pending.set(e.sector, hidden);
    if (e.event === 'block_rq_complete') {
      out.set(e.sector, { sector: e.sector, hidden });
      pending.delete(e.sector);
    }
  }
  return out;
}

/** Events of the whole disk that ran where BPF programs were not run (bounds the receiver's `*_unseen` drops). */
export function hiddenEvents(events: WitnessedEvent[]): number {
  return events.filter((e) => e.tgid === HIDDEN_TGID).length;
}

/** The kernel dev_t of a disk in /sys/block. */
export function diskDev(name: string): number {
  const [major, minor] = readFileSync(`/sys/block/${name}/dev`, 'utf8').trim().split(':').map(Number);
  return kernelDev(major, minor);
}

/** Runs `body` with a witness of the disk `dev` recording around it; returns its result and the events. */
export async function withWitness<T>(dev: number, body: () => Promise<T>): Promise<{ result: T; events: WitnessedEvent[] }> {
  const witness = startWitness(dev);
  try {
    const result = await body();
    return { result, events: witness.stop() };
  } finally {
    witness.remove();
  }
}

/** Drop reasons for requests whose hooks the kernel did not run. */
export const UNSEEN_DROPS = ['completion_unseen', 'issue_unseen'];

/**
 * Checks a run's drops against the witness: none but `*_unseen` ones, no more
 * of those than the events the kernel ran without BPF, none when it hid none.
 */
export function checkUnseenDrops(t: Test, dropped: ReadonlyMap<string, number>, events: WitnessedEvent[]): void {
  const other = [...dropped].filter(([reason, n]) => n > 0 && !UNSEEN_DROPS.includes(reason));
  t.same(other, [], 'no drop but for requests the kernel hid (no ring buffer or map full, no recursion miss)');
  const unseen = UNSEEN_DROPS.reduce((n, reason) => n + (dropped.get(reason) ?? 0), 0);
  const hidden = hiddenEvents(events);
  t.ok(unseen <= hidden, `unseen-request drops ${unseen} <= events the kernel ran without BPF ${hidden}`);
  if (hidden === 0) t.equal(unseen, 0, 'nothing hidden, nothing dropped');
}

/** Sectors of requests in `requests` that were not measurable: their issue or completion ran without BPF. */
export function unmeasured(requests: ReadonlyMap<number, OurRequest>, hooks: ReadonlyArray<WitnessedEvent['event']> = ['block_rq_issue', 'block_rq_complete']): Set<number> {
  return new Set([...requests.values()].filter((q) => q.hidden.some((e) => hooks.includes(e))).map((q) => q.sector));
}
