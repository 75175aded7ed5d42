/**
 * The lifecycle every eBPF receiver shares: load (undone if it fails part
 * way), a collection timer, and a shutdown that flushes the ring buffer and
 * reads the maps one last time before detaching and unloading everything.
 */
import { Subject } from 'rxjs';
import type { Batch } from '../signals';
import type { CreateContext, Receiver } from '../component';
import type { BpfObject, Link, RingBufferReader } from '../../native/api';
import { errorMessage } from '../error-message';
import { sumPerCpu } from './bpf-records';
import { openBpfObject } from './bpf-object';

/** Where a receiver is in its lifecycle. */
export type BpfReceiverState = 'new' | 'starting' | 'running' | 'stopped';

/** Base of the eBPF receivers: subclasses load and attach, read their maps, and detach. */
export abstract class BpfReceiver implements Receiver {
  protected readonly subject = new Subject<Batch>();
  readonly batches = this.subject.asObservable();
  protected obj?: BpfObject;
  protected reader?: RingBufferReader;
  protected state: BpfReceiverState = 'new';
  private readonly timers: NodeJS.Timeout[] = [];
  /** Last totals read from the `drops` map, by index. */
  private readonly dropTotals = new Map<number, number>();
  /** Last recursion-miss totals read from the kernel, by program. */
  private readonly missTotals = new Map<string, bigint>();

  constructor(protected readonly ctx: CreateContext, private readonly collectionIntervalMs: number) {}

  /** Opens, configures, loads and attaches the BPF object. */
  protected abstract load(): Promise<void>;

  /** Reads the kernel maps now and emits batches (the timer calls this, and shutdown once more). */
  abstract collect(): void;

  /** Detaches what the subclass attached; called before the object is closed. */
  protected abstract detachAll(): void;

  /** Called once running, to start timers of the subclass's own with {@link every}. */
  protected onRunning(): void {}

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`${this.ctx.id}: start() called twice or after shutdown()`);
    this.state = 'starting';
    try {
      await this.load();
    } catch (err) {
      await this.release();
      this.state = 'new';
      throw err;
    }
    if (this.state !== 'starting') return; // shut down while loading; release() already ran there
    this.state = 'running';
    this.every(this.collectionIntervalMs, () => this.collect());
    this.onRunning();
  }

  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    try {
      if (wasRunning) {
        // Flush: deliver what the ring buffer holds, then read the maps one last time.
        await this.closeReader();
        this.collect();
      }
    } finally {
      await this.release();
      this.subject.complete();
    }
  }

  /** Runs `fn` every `ms` until shutdown (the timer does not keep the process alive). */
  protected every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** Destroys links, logging (not throwing) a failure so the rest are still detached. */
  protected destroyLinks(links: Link[]): void {
    for (const link of links) {
      try {
        link.destroy();
      } catch (err) {
        this.ctx.logger.warn({ component: this.ctx.id, err: errorMessage(err) }, 'detaching failed');
      }
    }
  }

  /**
   * Reads the per-CPU `drops` array (kernel-side losses: ring buffer or map
   * full, ...) and adds what grew since the last read to the dropped counts,
   * by reason (`reasons` maps an index of `drops` to its reason).
   */
  protected countKernelDrops(reasons: ReadonlyArray<readonly [index: number, reason: string]>): void {
    const drops = this.obj?.map('drops');
    if (!drops) return;
    for (const [index, reason] of reasons) {
      const key = Buffer.alloc(4);
      key.writeUInt32LE(index);
      const total = sumPerCpu(drops.lookupPerCpu(key));
      this.ctx.telemetry.drop(reason, total - (this.dropTotals.get(index) ?? 0));
      this.dropTotals.set(index, total);
    }
  }

  /**
   * Adds the kernel's recursion misses of `programs` since the last read to
   * the dropped counts (`recursion_miss`): runs the kernel skipped because
   * the same program was already running on that CPU (a hook hit again from
   * an interrupt), each an event the maps never saw. Programs not loaded
   * (the other variant) are skipped.
   */
  protected countRecursionMisses(programs: readonly string[]): void {
    const obj = this.obj;
    if (!obj) return;
    for (const program of programs) {
      let misses: bigint;
      try {
        misses = obj.programStats(program).recursionMisses;
      } catch {
        continue; // not loaded (setAutoload false)
      }
      const last = this.missTotals.get(program) ?? 0n;
      this.ctx.telemetry.drop('recursion_miss', Number(misses - last));
      this.missTotals.set(program, misses);
    }
  }

  /**
   * Opens the object at `path` for each of `variants` in turn (the program
   * sets of one hook: tp_btf, raw_tp, ...), lets `configure` set its
   * tunables, map sizes and autoloads for that variant, and loads it. A load
   * that fails is undone and logged and the next variant tried; the last
   * variant's failure is thrown. Returns the loaded object and its variant.
   */
  protected async loadFirstVariant<V extends string>(
    path: string, variants: readonly V[], configure: (obj: BpfObject, variant: V) => void,
  ): Promise<{ obj: BpfObject; variant: V }> {
    const { ctx } = this;
    for (const [i, variant] of variants.entries()) {
      const obj = openBpfObject(path);
      this.obj = obj;
      configure(obj, variant);
      try {
        await obj.load();
        return { obj, variant };
      } catch (err) {
        this.obj = undefined;
        await obj.close();
        if (i === variants.length - 1) throw new Error(`${ctx.id}: loading the ${variant} programs failed: ${errorMessage(err)}`, { cause: err });
        ctx.logger.warn({ component: ctx.id, variant, err: errorMessage(err) }, 'loading failed; trying the next program variant');
      }
    }
    throw new Error(`${ctx.id}: no program variant to load`);
  }

  /** The records of a decoded ring-buffer batch; the malformed ones are counted as dropped (`malformed`). */
  protected wellFormed<T>(decoded: { events: T[]; malformed: number }): T[] {
    if (decoded.malformed > 0) this.ctx.telemetry.drop('malformed', decoded.malformed);
    return decoded.events;
  }

  private async closeReader(): Promise<void> {
    const reader = this.reader;
    this.reader = undefined;
    if (reader) await reader.close();
  }

  private async release(): Promise<void> {
    this.detachAll();
    await this.closeReader();
    const obj = this.obj;
    this.obj = undefined;
    if (obj) await obj.close();
  }
}
