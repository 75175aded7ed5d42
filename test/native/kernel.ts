/**
 * Support of the native runtime's kernel tests: why a test cannot run here,
 * the compiled test object, and the workload process.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeAvailable, openObject, possibleCpus, type NativeBpfObject } from '../../native/index';
import type { BpfMap } from '../../native/api';
import { BPF_FIXTURES, bpfToolchainMissing, compileBpf, compileC } from '../support/bpf-compile';

/** Slots of the `counts` per-CPU array (test/fixtures/bpf/runtime.h). */
export const SLOT = {
  RAW_TP: 0,
  TP_BTF: 1,
  TRACEPOINT: 2,
  PERF: 3,
  TC: 4,
  CGROUP: 5,
  UPROBE: 6,
  URETPROBE: 7,
  PERF_TARGET: 8,
} as const;

/** The `struct event` of runtime.h: 32 bytes. */
export const EVENT = { size: 32, pid: 0, cpu: 4, seq: 8, tsNs: 16, magic: 24, MAGIC: 0xeb9feb9f12345678n } as const;

/** Why kernel tests cannot run here (printed as the skip reason), or undefined. */
export function kernelSkipReason(): string | undefined {
  if (process.platform !== 'linux') return `eBPF needs Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'kernel tests need root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)';
  const n = nativeAvailable();
  if (!n.ok) return n.reason;
  return bpfToolchainMissing();
}

/** runtime.bpf.o, compiled (cached). */
export function runtimeObjectPath(): string {
  return compileBpf(join(BPF_FIXTURES, 'runtime.bpf.c'), [join(BPF_FIXTURES, 'runtime.h')]);
}

/** bad.bpf.o, which the verifier rejects. */
export function badObjectPath(): string {
  return compileBpf(join(BPF_FIXTURES, 'bad.bpf.c'));
}

/** The workload binary (test/fixtures/bpf/workload.c). */
export function workloadPath(): string {
  return compileC(join(BPF_FIXTURES, 'workload.c'));
}

/** A started workload, waiting for `go`. */
export interface Workload {
  pid: number;
  child: ChildProcess;
  /** Lets it run; resolves when it exited with 0. */
  go(): Promise<void>;
  /** Kills it if still running. */
  kill(): void;
}

/** Starts `workload <mode> <n>` and waits until it printed its pid. */
export function startWorkload(mode: 'getppid' | 'calls' | 'spin', n: number): Promise<Workload> {
  const child = spawn(workloadPath(), [mode, String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('workload did not start')), 5000);
    child.once('error', reject);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({
          pid: Number(m[1]),
          child,
          go: async () => {
            child.stdin!.write('go\n');
            const code = await exited;
            if (code !== 0) throw new Error(`workload ${mode} exited with ${String(code)}`);
          },
          kill: () => {
            if (child.exitCode === null) child.kill('SIGKILL');
          },
        });
      }
    });
  });
}

/** Sum over CPUs of the u64 in `slot` of a per-CPU array. */
export function perCpuSum(map: BpfMap, slot: number): bigint {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(slot);
  const values = map.lookupPerCpu(key);
  if (!values) throw new Error(`no slot ${slot}`);
  if (values.length !== possibleCpus()) throw new Error(`expected ${possibleCpus()} per-CPU values, got ${values.length}`);
  return values.reduce((a, v) => a + v.readBigUInt64LE(0), 0n);
}

/** Names of the BPF programs loaded in the kernel (`bpftool prog show`). */
export function kernelProgramNames(): string[] {
  const out = execFileSync('bpftool', ['-j', 'prog', 'show'], { maxBuffer: 64 * 1024 * 1024 }).toString();
  return (JSON.parse(out) as Array<{ name?: string }>).map((p) => p.name ?? '');
}

/** Opens runtime.bpf.o with `target_pid` (and more constants) set, and loads it with only `programs` autoloaded. */
export async function loadRuntime(
  programs: string[],
  consts: Record<string, number | bigint | boolean | string | Buffer> = {},
  before?: (o: NativeBpfObject) => void,
): Promise<NativeBpfObject> {
  const o = openObject(runtimeObjectPath());
  for (const p of o.programs()) o.setAutoload(p, programs.includes(p));
  for (const [k, v] of Object.entries(consts)) o.setConst(k, v);
  before?.(o);
  await o.load();
  return o;
}

/** The cgroup v2 directory of this process, or undefined when there is no cgroup v2. */
export function ownCgroup2Dir(): string | undefined {
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n');
  const mount = mounts.map((l) => l.split(' ')).find((f) => f[2] === 'cgroup2')?.[1];
  if (!mount) return undefined;
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('0::'));
  if (!line) return undefined;
  const rel = line.slice(3);
  return rel === '/' ? mount : join(mount, rel);
}

/** Waits until `cond()` holds or `ms` passed; returns whether it held. */
export async function waitFor(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}
