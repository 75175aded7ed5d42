/** Runs the syscall receiver against real workloads, for the kernel tests. */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { CreateContext } from '../../../core/component';
import { syscallReceiverFactory } from '../../../receivers/syscall';
import type { SyscallConfig } from '../../../receivers/syscall/config';
import { SyscallReceiver, type SyscallReceiverOptions } from '../../../receivers/syscall/receiver';
import { receiverContext as sharedReceiverContext, schemaConfig } from '../../support/receiver-context';
import { sleep } from '../../support/metric-points';
import { runReceiver, type ReceiverRun } from '../../support/receiver-run';
export { points, total, sleep } from '../../support/metric-points';

/** The collection interval of every kernel test. */
export const INTERVAL_MS = 200;

/** A receiver context with silent logs and fresh counters. */
export function receiverContext(id = 'syscall'): CreateContext {
  return sharedReceiverContext(id);
}

/** A config through the schema (defaults filled in), as the loader would hand it to create(). */
export function syscallConfig(config: Record<string, unknown>): SyscallConfig {
  return schemaConfig<SyscallConfig>(syscallReceiverFactory.schema, { collection_interval: `${INTERVAL_MS}ms`, ...config });
}

let workloadPath: string | undefined;

/** Compiles fixtures/sctest.c once per test file. */
export function workload(): string {
  if (!workloadPath) {
    const dir = mkdtempSync(join(tmpdir(), 'sctest-'));
    workloadPath = join(dir, 'sctest');
    execFileSync('cc', ['-O2', '-Wall', '-o', workloadPath, join(__dirname, 'fixtures', 'sctest.c')]);
  }
  return workloadPath;
}

/** What a workload run does. */
export interface WorkloadArgs {
  comm?: string;
  getppid?: number;
  fail?: number;
  sleeps?: number;
  sleepMs?: number;
}

/** A started workload, waiting on stdin until `go()`. */
export interface StartedWorkload {
  pid: number;
  child: ChildProcessWithoutNullStreams;
  /** Lets it run; resolves when it has exited with status 0. */
  go(): Promise<void>;
  /** Each sleep's duration in ns, measured by the workload around nanosleep(). */
  sleeps: number[];
}

/** Starts sctest, waiting for `go()` (so filters and tracers can use its pid first). */
export async function startWorkload(args: WorkloadArgs): Promise<StartedWorkload> {
  const child = spawn(workload(), [
    args.comm ?? '-', String(args.getppid ?? 0), String(args.fail ?? 0), String(args.sleeps ?? 0), String(args.sleepMs ?? 0), '1',
  ]);
  const lines = createInterface({ input: child.stdout });
  const sleeps: number[] = [];
  const exited = new Promise<void>((resolve, reject) => {
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`sctest exited with ${code ?? signal}`))));
  });
  const pid = await new Promise<number>((resolve, reject) => {
    lines.once('line', (line) => {
      const m = /^ready (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`sctest said ${line}`));
    });
    child.once('error', reject);
  });
  lines.on('line', (line) => {
    const m = /^sleep (\d+)$/.exec(line);
    if (m) sleeps.push(Number(m[1]));
  });
  return {
    pid,
    child,
    sleeps,
    go: async () => {
      child.stdin.end('go\n');
      await exited;
    },
  };
}

/** Runs sctest to the end. */
export async function runWorkload(args: WorkloadArgs): Promise<number> {
  const w = await startWorkload(args);
  await w.go();
  return w.pid;
}

/** What a receiver run saw. */
export interface RunResult extends ReceiverRun {
  /** Metrics batches emitted by the interval, before shutdown. */
  intervalBatches: number;
  ctx: CreateContext;
  receiver: SyscallReceiver;
}

/** Starts the receiver, runs `body`, waits one interval and a bit, shuts down. */
export async function withReceiver(
  config: Record<string, unknown>,
  body: () => Promise<void>,
  options: SyscallReceiverOptions = {},
): Promise<RunResult> {
  const ctx = receiverContext();
  const receiver = new SyscallReceiver(syscallConfig(config), ctx, options);
  const run = await runReceiver(receiver, body, INTERVAL_MS * 1.5);
  const intervalBatches = run.batches.slice(0, run.beforeShutdown).filter((b) => b.signal === 'metrics').length;
  return { ...run, intervalBatches, ctx, receiver };
}

/** Whether every attribute of `match` is on `attributes`. */

/** Names of loaded BPF programs (`bpftool prog show`). */
export function loadedProgramNames(): string[] {
  const out = execFileSync('bpftool', ['-j', 'prog', 'show']).toString();
  return (JSON.parse(out) as Array<{ name?: string }>).map((p) => p.name ?? '');
}

/**
 * Our programs still loaded, polled until none is left or `timeoutMs` passed:
 * the kernel frees a program after an RCU grace period, not at close().
 */
export async function ourProgramsAfterRelease(timeoutMs = 3000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = loadedProgramNames().filter((n) => OUR_PROGRAMS.includes(n));
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(50);
  }
}

/** Our programs' names (bpf/syscall.bpf.c). */
export const OUR_PROGRAMS = ['sc_btf_enter', 'sc_btf_exit', 'sc_raw_enter', 'sc_raw_exit', 'sc_tp_enter', 'sc_tp_exit'];

/** Links (`bpftool link show`) of our programs still in the kernel. */
export async function listLinks(): Promise<string[]> {
  const out = execFileSync('bpftool', ['-j', 'link', 'show']).toString();
  const progs = new Map((JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show']).toString()) as Array<{ id: number; name?: string }>)
    .map((p) => [p.id, p.name ?? '']));
  return (JSON.parse(out) as Array<{ prog_id: number }>).map((l) => progs.get(l.prog_id) ?? '').filter((n) => OUR_PROGRAMS.includes(n));
}
