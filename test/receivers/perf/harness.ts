/** Runs the perf receiver against a real CPU-bound workload, for the kernel tests. */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { CreateContext } from '../../../core/component';
import type { Batch, MetricRecord } from '../../../core/signals';
import type { Profile } from '../../../core/profile/types';
import { perfReceiverFactory } from '../../../receivers/perf';
import type { PerfConfig } from '../../../receivers/perf/config';
import { PerfReceiver, type PerfReceiverOptions } from '../../../receivers/perf/receiver';
import { BPF_CACHE } from '../../support/bpf-compile';
import { receiverContext, schemaConfig } from '../../support/receiver-context';

/** The workload's source: hot_loop gets 10 units of work per round, cold_loop 1. */
export const BURN_SOURCE = join(__dirname, 'fixtures', 'burn.c');

/** Compiles fixtures/burn.c with frame pointers (user stacks are walked through them); cached. */
export function burnBinary(): string {
  const out = join(BPF_CACHE, 'perf-burn');
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(BURN_SOURCE).mtimeMs) {
    mkdirSync(BPF_CACHE, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    execFileSync('cc', ['-O1', '-g', '-fno-omit-frame-pointer', '-mno-omit-leaf-frame-pointer', '-Wall', '-o', tmp, BURN_SOURCE]);
    renameSync(tmp, out);
  }
  return out;
}

/** A started burn workload, waiting for `go()`. */
export interface Burn {
  pid: number;
  /** Lets it burn; resolves with its CPU time (ns) once it exited with status 0. */
  go(): Promise<number>;
}

/** Starts the workload (it waits on stdin, so a filter can use its pid first). */
export async function startBurn(cpuMs: number, comm?: string): Promise<Burn> {
  const child = spawn(burnBinary(), comm ? [String(cpuMs), comm] : [String(cpuMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  let cpuNs = 0;
  lines.on('line', (line) => {
    const m = /^done (\d+)$/.exec(line);
    if (m) cpuNs = Number(m[1]);
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.on('exit', (code, signal) => (code === 0 ? resolve(cpuNs) : reject(new Error(`burn exited with ${code ?? signal}`))));
  });
  const pid = await new Promise<number>((resolve, reject) => {
    lines.once('line', (line) => {
      const m = /^ready (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`burn said ${line}`));
    });
    child.once('error', reject);
  });
  return {
    pid,
    go: async () => {
      child.stdin.end('go\n');
      return exited;
    },
  };
}

/** A config through the schema (defaults filled in), as the loader would hand it to create(). */
export function perfConfig(config: Record<string, unknown>): PerfConfig {
  return schemaConfig<PerfConfig>(perfReceiverFactory.schema, config);
}

/** What a receiver run saw. */
export interface PerfRun {
  profiles: Profile[];
  /** Files written, per profile. */
  paths: string[][];
  /** The last metrics batch (cumulative totals). */
  metrics: MetricRecord[];
  /** Metrics batches emitted before shutdown. */
  intervalBatches: number;
  ctx: CreateContext;
  receiver: PerfReceiver;
}

/** Starts the receiver, runs `body`, shuts down (which writes the last profile). */
export async function withPerfReceiver(config: Record<string, unknown>, body: () => Promise<void>, options: PerfReceiverOptions = {}): Promise<PerfRun> {
  const ctx = receiverContext('perf');
  const profiles: Profile[] = [];
  const paths: string[][] = [];
  // Profiles go to a temp dir unless the test says where (never into the work tree).
  const dir = config.profiles === undefined ? mkdtempSync(join(tmpdir(), 'perf-profiles-')) : undefined;
  const full = dir === undefined ? config : { ...config, profiles: { directory: dir } };
  const receiver = new PerfReceiver(perfConfig(full), ctx, {
    ...options,
    onProfile: (profile, written) => {
      profiles.push(profile);
      paths.push(written);
    },
  });
  const batches: Batch[] = [];
  let done = false;
  let intervalBatches = 0;
  receiver.batches.subscribe((b) => {
    batches.push(b);
    if (!done) intervalBatches++;
  });
  await receiver.start();
  try {
    await body();
  } finally {
    done = true;
    await receiver.shutdown();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
  const last = batches.filter((b) => b.signal === 'metrics').pop();
  return { profiles, paths, metrics: (last?.records ?? []) as MetricRecord[], intervalBatches, ctx, receiver };
}

/** Samples (the first value) of the profiles' samples matching `keep`. */
export function sampleCount(profiles: readonly Profile[], keep: (s: Profile['samples'][number]) => boolean = () => true): number {
  let n = 0;
  for (const p of profiles) for (const s of p.samples) if (keep(s)) n += s.values[0];
  return n;
}

/** Our programs' names (bpf/perf.bpf.c). */
export const PERF_PROGRAM_NAMES: readonly string[] = ['perf_sample', 'perf_exec', 'perf_exit'];

/** How many programs of ours are still loaded (`bpftool prog show`), polled for `timeoutMs` (freeing waits for RCU). */
export async function perfProgramsLoaded(timeoutMs = 3000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = execFileSync('bpftool', ['-j', 'prog', 'show']).toString();
    const n = (JSON.parse(out) as Array<{ name?: string }>).filter((p) => p.name !== undefined && PERF_PROGRAM_NAMES.includes(p.name)).length;
    if (n === 0 || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 50));
  }
}
