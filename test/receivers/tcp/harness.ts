/** Runs the tcp receiver against real TCP workloads (fixtures/tcptest.c), for the kernel tests. */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { CreateContext } from '../../../core/component';
import type { Signal } from '../../../core/signals';
import { tcpReceiverFactory } from '../../../receivers/tcp';
import type { TcpConfig } from '../../../receivers/tcp/config';
import { TcpReceiver, type TcpReceiverOptions } from '../../../receivers/tcp/receiver';
import { receiverContext as sharedReceiverContext, schemaConfig } from '../../support/receiver-context';
import { sleep } from '../../support/metric-points';
import { runReceiver, type ReceiverRun } from '../../support/receiver-run';
export { points, total, sleep } from '../../support/metric-points';

/** The collection interval of every kernel test. */
export const INTERVAL_MS = 200;

/** A receiver context with silent logs and fresh counters. */
export function receiverContext(id = 'tcp'): CreateContext {
  return sharedReceiverContext(id);
}

/** A config through the schema (defaults filled in), as the loader would hand it to create(). */
export function tcpConfig(config: Record<string, unknown>): TcpConfig {
  return schemaConfig<TcpConfig>(tcpReceiverFactory.schema, { collection_interval: `${INTERVAL_MS}ms`, ...config });
}

let workloadPath: string | undefined;

/** Compiles fixtures/tcptest.c once per test file. */
export function workload(): string {
  if (!workloadPath) {
    const dir = mkdtempSync(join(tmpdir(), 'tcptest-'));
    workloadPath = join(dir, 'tcptest');
    execFileSync('cc', ['-O2', '-Wall', '-o', workloadPath, join(__dirname, 'fixtures', 'tcptest.c')]);
  }
  return workloadPath;
}

/** A process run, optionally inside a network namespace. */
function run(args: string[], netns?: string, stdin: 'ignore' | 'pipe' = 'ignore') {
  const [cmd, argv] = netns ? ['ip', ['netns', 'exec', netns, workload(), ...args]] : [workload(), args];
  const child = spawn(cmd, argv, { stdio: [stdin, 'pipe', 'pipe'] });
  const out = child.stdout as Readable;
  let stderr = '';
  (child.stderr as Readable).on('data', (d: Buffer) => { stderr += d.toString(); });
  const lines = createInterface({ input: out });
  const exited = new Promise<void>((resolve, reject) => {
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`tcptest ${args[0]} exited with ${code ?? signal}: ${stderr}`))));
    child.on('error', reject);
  });
  return { child, lines, exited };
}

/** A listening server: its port, its pid, and a promise of its exit after K connections. */
export interface Server {
  port: number;
  pid: number;
  exited: Promise<void>;
}

/** Starts `tcptest server` and waits until it listens. */
export async function startServer(comm: string, addr: string, k: number, bytes: number, netns?: string, port = 0): Promise<Server> {
  const r = run(['server', comm, addr, String(port), String(k), String(bytes)], netns);
  const listening = await new Promise<number>((resolve, reject) => {
    r.lines.once('line', (line) => {
      const m = /^ready (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`tcptest server said ${line}`));
    });
    r.exited.catch(reject);
  });
  return { port: listening, pid: r.child.pid as number, exited: r.exited };
}

/** Runs `tcptest client|reset|refused` to the end; returns its pid and the local port of each connection. */
export async function runClient(mode: 'client' | 'reset' | 'refused', comm: string, addr: string, port: number, k = 1, bytes = 0, netns?: string): Promise<{ pid: number; ports: number[] }> {
  const r = run([mode, comm, addr, String(port), String(k), String(bytes)], netns);
  const ports: number[] = [];
  r.lines.on('line', (line) => {
    const m = /^local (\d+)$/.exec(line);
    if (m) ports.push(Number(m[1]));
  });
  await r.exited;
  return { pid: r.child.pid as number, ports };
}

/** A client holding its one connection open after the transfer, until `release()`. */
export interface HeldClient {
  pid: number;
  /** The connection's local port. */
  port: number;
  /** Closes the connection; resolves when the client has exited. */
  release(): Promise<void>;
}

/** Runs `tcptest client ... hold`: one connection of B bytes each way, held open after the transfer. */
export async function startHeldClient(comm: string, addr: string, port: number, bytes: number, netns?: string): Promise<HeldClient> {
  const r = run(['client', comm, addr, String(port), '1', String(bytes), 'hold'], netns, 'pipe');
  const local = await new Promise<number>((resolve, reject) => {
    r.lines.on('line', (line) => {
      const m = /^held (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
    });
    r.exited.then(() => reject(new Error('tcptest client exited before holding')), reject);
  });
  return {
    pid: r.child.pid as number,
    port: local,
    release: async () => {
      r.child.stdin?.end('close\n');
      await r.exited;
    },
  };
}

/** What a receiver run saw. */
export interface RunResult extends ReceiverRun {
  ctx: CreateContext;
  receiver: TcpReceiver;
}

/**
 * Starts the receiver, runs `body`, waits one interval and a bit, shuts down.
 * `signals`: those of the pipelines it feeds, as the engine tells it (default: unknown, so all).
 */
export async function withReceiver(
  config: Record<string, unknown>, body: () => Promise<void>, options: TcpReceiverOptions = {}, signals?: Signal[],
): Promise<RunResult> {
  const ctx = { ...receiverContext(), signals };
  const receiver = new TcpReceiver(tcpConfig(config), ctx, options);
  return { ...(await runReceiver(receiver, body, INTERVAL_MS * 1.5)), ctx, receiver };
}

/** Our programs' names (bpf/tcp.bpf.c). */
export const OUR_PROGRAMS = ['tcp_btf_state', 'tcp_btf_retransmit', 'tcp_btf_send_reset', 'tcp_btf_recv_reset', 'tcp_btf_probe',
  'tcp_raw_state', 'tcp_raw_retransmit', 'tcp_raw_send_reset', 'tcp_raw_recv_reset', 'tcp_raw_probe'];

/** Our programs still loaded, polled until none is left or `timeoutMs` passed (the kernel frees them after an RCU grace period). */
export async function ourProgramsAfterRelease(timeoutMs = 3000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = (JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show']).toString()) as Array<{ name?: string }>).map((p) => p.name ?? '');
    // bpftool shows names cut to 15 characters.
    const left = names.filter((n) => OUR_PROGRAMS.some((p) => p.slice(0, 15) === n));
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(50);
  }
}
