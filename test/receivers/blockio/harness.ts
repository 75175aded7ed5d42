/** Runs the blockio receiver against real direct I/O, for the kernel tests. */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { CreateContext } from '../../../core/component';
import type { SpanRecord } from '../../../core/signals';
import { blockioReceiverFactory } from '../../../receivers/blockio';
import type { BlockioConfig } from '../../../receivers/blockio/config';
import { BlockioReceiver, type BlockioReceiverOptions } from '../../../receivers/blockio/receiver';
import { receiverContext, schemaConfig } from '../../support/receiver-context';
import { compileC } from '../../support/bpf-compile';
import { sleep } from '../../support/metric-points';
import { runReceiver, type ReceiverRun } from '../../support/receiver-run';
export { points, total, sleep } from '../../support/metric-points';

const execFileP = promisify(execFile);

/** The collection interval of every kernel test. */
export const INTERVAL_MS = 200;
/** Where the test files go: a disk-backed directory (/var/tmp is not tmpfs here, unlike /tmp on some systems). */
export const DATA_PARENT = '/var/tmp';
/** The workload's comm (its binary's name). */
export const WORKLOAD_COMM = 'directio';

/** A config through the schema (defaults filled in), as the loader would hand it to create(). */
export function blockioConfig(config: Record<string, unknown>): BlockioConfig {
  return schemaConfig<BlockioConfig>(blockioReceiverFactory.schema, { collection_interval: `${INTERVAL_MS}ms`, ...config });
}

/** The disk a directory's file system lives on, or why there is none (tmpfs, overlay...). */
export interface DiskOf {
  /** Disk name in /sys/block, e.g. `vda`. */
  disk?: string;
  /** First sector of the partition on the disk (0 for a whole disk). */
  startSector: number;
  reason?: string;
}

/** Finds the real block device behind `dir`: st_dev -> /sys/dev/block/MAJ:MIN -> its disk. */
export function diskOf(dir: string): DiskOf {
  const dev = statSync(dir).dev;
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | ((Math.floor(dev / 4096)) & ~0xff);
  const sys = `/sys/dev/block/${major}:${minor}`;
  if (!existsSync(sys)) return { startSector: 0, reason: `${dir} is on device ${major}:${minor}, which is no block device (tmpfs, overlay?)` };
  const real = realpathSync(sys);
  if (existsSync(join(real, 'partition'))) {
    return { disk: basename(dirname(real)), startSector: Number(readFileSync(join(real, 'start'), 'utf8').trim()) };
  }
  return { disk: basename(real), startSector: 0 };
}

/** The direct-I/O workload, compiled once. */
export function workload(): string {
  return compileC(join(__dirname, 'fixtures', 'directio.c'));
}

/** What one pass of the workload reported. */
export interface PassResult {
  pid: number;
  totalNs: number;
  minNs: number;
  maxNs: number;
}

/** Runs one pass (`prepare`, `write` or `read`) of `count` 4 KiB blocks on `file`. */
export async function runPass(file: string, count: number, mode: 'prepare' | 'write' | 'read'): Promise<PassResult> {
  const { stdout } = await execFileP(workload(), [file, String(count), mode]);
  const m = /^done (\d+) (\d+) (\d+) (\d+)$/m.exec(stdout);
  if (!m) throw new Error(`directio said ${stdout}`);
  return { pid: Number(m[1]), totalNs: Number(m[2]), minNs: Number(m[3]), maxNs: Number(m[4]) };
}

/** A fresh directory on the disk under {@link DATA_PARENT}. */
export function dataDir(): string {
  return mkdtempSync(join(DATA_PARENT, 'blockio-test-'));
}

/** The physical sectors (512 B, disk-relative) of a file's first `count` 4 KiB blocks, from `filefrag -v`. */
export function fileSectors(file: string, count: number, startSector: number): Set<number> {
  const out = execFileSync('filefrag', ['-v', '-b4096', file]).toString();
  const sectors = new Set<number>();
  for (const line of out.split('\n')) {
    const m = /^\s*\d+:\s+(\d+)\.\.\s*(\d+):\s+(\d+)\.\.\s*(\d+):/.exec(line);
    if (!m) continue;
    const [logical, , physical] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const length = Number(m[4]) - physical + 1;
    for (let i = 0; i < length; i++) if (logical + i < count) sectors.add(startSector + (physical + i) * 8);
  }
  return sectors;
}

/** What a receiver run saw. */
export interface RunResult extends ReceiverRun {
  ctx: CreateContext;
  receiver: BlockioReceiver;
}

/** Starts the receiver, runs `body`, waits one interval and a bit, shuts down. */
export async function withReceiver(config: Record<string, unknown>, body: () => Promise<void>, options: BlockioReceiverOptions = {}): Promise<RunResult> {
  const ctx = receiverContext('blockio');
  const receiver = new BlockioReceiver(blockioConfig(config), ctx, options);
  return { ...(await runReceiver(receiver, body, INTERVAL_MS * 1.5)), ctx, receiver };
}

/** A span's duration in ns (from its HrTime start and end). */
export function spanNs(span: SpanRecord): number {
  return (span.endTime[0] - span.startTime[0]) * 1e9 + (span.endTime[1] - span.startTime[1]);
}

/** Our programs' names (bpf/blockio.bpf.c). */
export const OUR_PROGRAMS = ['rq_btf_insert', 'rq_btf_issue', 'rq_btf_merge', 'rq_btf_complete', 'rq_raw_insert', 'rq_raw_issue', 'rq_raw_merge', 'rq_raw_complete'];

/** Loaded BPF programs (`bpftool prog show`): id and name. */
export function loadedPrograms(): Array<{ id: number; name: string }> {
  return (JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show']).toString()) as Array<{ id: number; name?: string }>).map((p) => ({ id: p.id, name: p.name ?? '' }));
}

/** Ids of the BPF programs this process holds a file descriptor of (/proc/self/fd, `prog_id` in fdinfo). */
export function ownProgramIds(): Set<number> {
  const ids = new Set<number>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
      const m = /^prog_id:\s*(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      if (m) ids.add(Number(m[1]));
    } catch {
      // closed meanwhile (the fd used by readdir itself)
    }
  }
  return ids;
}

/**
 * Names of our programs this process has loaded (by the ids of its own
 * program fds: another process may run the blockio receiver at the same time,
 * and its programs have the same names).
 */
export function loadedProgramNames(): string[] {
  const own = ownProgramIds();
  return loadedPrograms().filter((p) => own.has(p.id)).map((p) => p.name);
}

/**
 * Our programs still loaded: those this process still holds, and those of
 * `ids` (held while running) the kernel has not freed yet, polled until none
 * is left or `timeoutMs` passed (the kernel frees them after an RCU grace period).
 */
export async function ourProgramsAfterRelease(ids: ReadonlySet<number> = new Set(), timeoutMs = 3000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const own = ownProgramIds();
    const left = loadedPrograms().filter((p) => OUR_PROGRAMS.includes(p.name) && (own.has(p.id) || ids.has(p.id))).map((p) => p.name);
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(50);
  }
}

/** A loop device over a fresh file under {@link DATA_PARENT}: no one else does I/O there. */
export interface LoopDevice {
  /** `/dev/loopN`. */
  device: string;
  /** `loopN`. */
  name: string;
  /** Detaches the device and removes the backing file. */
  detach(): void;
}

/** Why loop devices cannot be used here, or undefined when they can. */
export function loopMissing(): string | undefined {
  try {
    execFileSync('losetup', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'losetup is not installed';
  }
}

/** Attaches a loop device over a zeroed file of `bytes`. */
export function attachLoop(bytes: number): LoopDevice {
  const dir = dataDir();
  const backing = join(dir, 'backing.img');
  writeFileSync(backing, Buffer.alloc(bytes));
  const device = execFileSync('losetup', ['--find', '--show', backing]).toString().trim();
  return {
    device,
    name: device.replace('/dev/', ''),
    detach: () => {
      execFileSync('losetup', ['-d', device]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Recursion misses of the programs this process has loaded (the kernel skips a program that fires while it already runs on that CPU), by name. */
export function recursionMisses(): Record<string, number> {
  const own = ownProgramIds();
  const out: Record<string, number> = {};
  for (const p of JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show']).toString()) as Array<{ id: number; name?: string; recursion_misses?: number }>) {
    if (p.name && own.has(p.id) && OUR_PROGRAMS.includes(p.name)) out[p.name] = (out[p.name] ?? 0) + (p.recursion_misses ?? 0);
  }
  return out;
}
