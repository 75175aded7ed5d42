/** Runs the alloc receiver against the leaktest workload, for the kernel tests. */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Batch, LogRecord, MetricRecord } from '../../../core/signals';
import type { CreateContext } from '../../../core/component';
import { allocReceiverFactory } from '../../../receivers/alloc';
import type { AllocConfig } from '../../../receivers/alloc/config';
import { AllocReceiver, type AllocReceiverOptions } from '../../../receivers/alloc/receiver';
import { receiverContext, schemaConfig } from '../../support/receiver-context';
import { BPF_CACHE } from '../../support/bpf-compile';
import { runReceiver, type ReceiverRun } from '../../support/receiver-run';
export { sleep } from '../../support/metric-points';

/** The collection interval of every kernel test. */
export const INTERVAL_MS = 200;

/** A config through the schema (defaults filled in), as the loader would hand it to create(). */
export function allocConfig(config: Record<string, unknown>): AllocConfig {
  return schemaConfig<AllocConfig>(allocReceiverFactory.schema, { collection_interval: `${INTERVAL_MS}ms`, min_age: '0s', ...config });
}

const workloadPaths = new Map<boolean, string>();

/**
 * Compiles fixtures/leaktest.c once per test file (`static`: linked
 * statically), with frame pointers: user stacks are walked through them.
 */
export function workload(isStatic = false): string {
  let path = workloadPaths.get(isStatic);
  if (!path) {
    mkdirSync(BPF_CACHE, { recursive: true });
    path = join(BPF_CACHE, isStatic ? 'leaktest-static' : 'leaktest');
    const tmp = `${path}.${process.pid}.tmp`;
    execFileSync('cc', ['-O1', '-g', '-fno-omit-frame-pointer', '-Wall', ...(isStatic ? ['-static'] : []), '-o', tmp, join(__dirname, 'fixtures', 'leaktest.c')]);
    renameSync(tmp, path);
    workloadPaths.set(isStatic, path);
  }
  return path;
}

/** A started leaktest, waiting for `go()`. */
export interface Leaktest {
  pid: number;
  child: ChildProcessWithoutNullStreams;
  /** Runs the allocations; resolves once it said "done" (it then waits for `end()`). */
  go(): Promise<void>;
  /** Lets it exit; resolves when it has, with status 0. */
  end(): Promise<void>;
}

/** What leaktest does besides leaky and tidy: the rest of the malloc family, leaky and tidy in a second thread, or instead N pipes, or N+M mmaps. */
export type LeaktestMode = 'plain' | 'family' | 'thread' | 'pipes' | 'mmap';

/** Starts leaktest N SIZE M [family|thread|pipes|mmap] (`isStatic`: the statically linked build). */
export async function startLeaktest(n: number, size: number, m: number, mode: LeaktestMode = 'plain', isStatic = false): Promise<Leaktest> {
  const child = spawn(workload(isStatic), [String(n), String(size), String(m), ...(mode === 'plain' ? [] : [mode])]);
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<void>((resolve, reject) => {
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`leaktest exited with ${code ?? signal}`))));
  });
  exited.catch(() => undefined);
  const next = (): Promise<string> => new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`leaktest exited with ${code}`)));
  });
  const ready = await next();
  const m0 = /^ready (\d+)$/.exec(ready);
  if (!m0) throw new Error(`leaktest said ${ready}`);
  return {
    pid: Number(m0[1]),
    child,
    go: async () => {
      const done = next();
      child.stdin.write('go\n');
      const line = await done;
      if (line !== 'done') throw new Error(`leaktest said ${line}`);
    },
    end: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/** What a receiver run saw. */
export interface RunResult extends ReceiverRun {
  /** The log records of the last logs batch (the last leak report). */
  leaks: LogRecord[];
  ctx: CreateContext;
  receiver: AllocReceiver;
}

/** Starts the receiver, runs `body`, waits two intervals, shuts down; `onBatches` gets the live list of batches. */
export async function withReceiver(
  config: Record<string, unknown>,
  body: () => Promise<void>,
  options: AllocReceiverOptions = {},
  onBatches?: (batches: Batch[]) => void,
): Promise<RunResult> {
  const ctx = receiverContext('alloc');
  const receiver = new AllocReceiver(allocConfig(config), ctx, options);
  const batches: Batch[] = [];
  onBatches?.(batches);
  const run = await runReceiver(receiver, body, INTERVAL_MS * 2, batches);
  const leaks = (batches.filter((b) => b.signal === 'logs').at(-1)?.records ?? []) as LogRecord[];
  return { ...run, leaks, ctx, receiver };
}

/** The value of the point of `name` for `pid` (undefined when there is none). */
export function valueOf(metrics: readonly MetricRecord[], name: string, pid: number): number | undefined {
  return metrics.find((m) => m.name === name && m.attributes['process.pid'] === pid)?.value;
}
