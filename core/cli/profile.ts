/**
 * `ebpf-pipeline profile`: builds a one-receiver pipeline (the perf
 * receiver, filtered to one pid or comm), samples for `--duration` with a
 * progress bar on stderr, and writes the flame graph, pprof profile and
 * folded stacks at the paths `--output` names.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isConfigError } from '../config/errors';
import { parseDuration } from '../config/duration';
import { createCollector } from '../engine/collector';
import type { Logger } from '../logger';
import type { ProfileFormat } from '../profile/types';
import { PROFILE_EXTENSIONS } from '../profile/output';
import { UsageError, type ProfileFlags } from './args';

/** Default sampling time. */
export const DEFAULT_PROFILE_DURATION = '30s';
/** Default output: a flame graph in the current directory (pprof and folded beside it). */
export const DEFAULT_PROFILE_OUTPUT = 'flame.html';
/** Default frequency of the command (the perf receiver's default). */
export const DEFAULT_PROFILE_FREQUENCY = 49;

/** File extension of each format; the first is the one written. */
export const FORMAT_EXTENSIONS: Readonly<Record<ProfileFormat, readonly string[]>> = {
  html: ['.html', '.htm'],
  pprof: ['.pb.gz', '.pprof', '.pb'],
  folded: ['.folded', '.txt'],
};

/** What the command will do, from its flags. */
export interface ProfilePlan {
  pid?: number;
  comm?: string;
  durationMs: number;
  frequency: number;
  /** Absolute path of each format's file. */
  outputs: Record<ProfileFormat, string>;
}

/** Checks the flags; throws {@link UsageError} with one clear message. */
export function planProfile(flags: ProfileFlags, cwd = process.cwd(), procRoot = '/proc'): ProfilePlan {
  if ((flags.pid === undefined) === (flags.comm === undefined)) {
    throw new UsageError('profile needs exactly one of --pid PID and --comm NAME; for example: ebpf-pipeline profile --pid 1234 --duration 30s');
  }
  let pid: number | undefined;
  if (flags.pid !== undefined) {
    if (!/^[1-9]\d{0,9}$/.test(flags.pid)) throw new UsageError(`--pid must be a process id (a positive integer), not "${flags.pid}"`);
    pid = Number(flags.pid);
    if (!existsSync(join(procRoot, String(pid)))) throw new UsageError(`--pid ${pid}: no such process`);
  }
  if (flags.comm !== undefined && (flags.comm.length === 0 || Buffer.byteLength(flags.comm) > 15)) {
    throw new UsageError(`--comm must be a thread name of 1 to 15 bytes (the kernel's comm), not "${flags.comm}"`);
  }
  const frequencyText = flags.frequency ?? String(DEFAULT_PROFILE_FREQUENCY);
  const frequency = Number(frequencyText);
  if (!/^\d+$/.test(frequencyText) || frequency < 1 || frequency > 10000) {
    throw new UsageError(`--frequency must be an integer from 1 to 10000 (samples per second per CPU), not "${frequencyText}"`);
  }
  const durationText = flags.duration ?? DEFAULT_PROFILE_DURATION;
  let durationMs: number;
  try {
    durationMs = parseDuration(durationText);
  } catch (err) {
    throw new UsageError(`--duration: ${(err as Error).message}`);
  }
  if (!(durationMs > 0)) throw new UsageError(`--duration must be more than 0, not "${durationText}"`);
  return { pid, comm: flags.comm, durationMs, frequency, outputs: outputPaths(resolve(cwd, flags.output ?? DEFAULT_PROFILE_OUTPUT)) };
}

/** The path of every format: `output` for the format its extension names, the others beside it. */
export function outputPaths(output: string): Record<ProfileFormat, string> {
  const name = basename(output).toLowerCase();
  const formats = Object.keys(FORMAT_EXTENSIONS) as ProfileFormat[];
  for (const format of formats) {
    const ext = FORMAT_EXTENSIONS[format].find((e) => name.endsWith(e) && name.length > e.length);
    if (!ext) continue;
    const stem = output.slice(0, output.length - ext.length);
    const out = {} as Record<ProfileFormat, string>;
    for (const f of formats) out[f] = f === format ? output : stem + FORMAT_EXTENSIONS[f][0];
    return out;
  }
  throw new UsageError(`--output "${output}": name a .html (flame graph), .pb.gz (pprof) or .folded file`);
}

/** The pipeline the command runs: the perf receiver writing into `directory`, its metric to the debug exporter. */
export function profilePipeline(plan: ProfilePlan, directory: string): Record<string, unknown> {
  return {
    receivers: {
      perf: {
        frequency: plan.frequency,
        ...(plan.pid !== undefined ? { pids: [plan.pid] } : { comms: [plan.comm] }),
        // One profile, written at shutdown.
        collection_interval: `${Math.ceil(plan.durationMs) + 3_600_000}ms`,
        profiles: { directory, formats: ['pprof', 'folded', 'html'] },
      },
    },
    exporters: { debug: { verbosity: 'normal' } },
    service: { pipelines: { metrics: { receivers: ['perf'], exporters: ['debug'] } } },
  };
}

/** Runs the command; resolves to the exit code. */
export async function runProfile(flags: ProfileFlags, logger: Logger): Promise<number> {
  const plan = planProfile(flags);
  const outDir = dirname(plan.outputs.html);
  mkdirSync(outDir, { recursive: true });
  const workDir = mkdtempSync(join(outDir, '.ebpf-pipeline-profile-'));
  try {
    const collector = createCollector({ config: profilePipeline(plan, workDir), logger, keepLogLevel: true });
    try {
      await collector.start();
    } catch (err) {
      process.stderr.write(`ebpf-pipeline: ${isConfigError(err) ? err.format() : (err as Error).message}\n`);
      return isConfigError(err) ? 2 : 1;
    }
    const target = plan.pid !== undefined ? `pid ${plan.pid}` : `comm ${plan.comm}`;
    const ended = await sampleWithProgress(plan, `profiling ${target} at ${plan.frequency} Hz`);
    await collector.stop();
    const written = moveOutputs(workDir, plan.outputs);
    if (written.length === 0) {
      process.stderr.write('ebpf-pipeline: no profile was written (see the log above)\n');
      return 1;
    }
    if (ended !== 'done') process.stderr.write(`stopped early: ${ended}\n`);
    process.stdout.write(written.map((p) => `${p}\n`).join(''));
    return 0;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Waits `durationMs` (less if the pid exits or on SIGINT/SIGTERM), drawing a progress bar on a TTY. */
async function sampleWithProgress(plan: ProfilePlan, label: string): Promise<'done' | string> {
  const tty = process.stderr.isTTY === true;
  const start = Date.now();
  if (!tty) process.stderr.write(`${label} for ${formatSeconds(plan.durationMs)}...\n`);
  let stop: string | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    stop = `${signal}`;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (;;) {
      const elapsed = Date.now() - start;
      if (tty) process.stderr.write(`\r${progressBar(label, elapsed, plan.durationMs)}\x1b[K`);
      if (elapsed >= plan.durationMs) break;
      if (plan.pid !== undefined && !existsSync(`/proc/${plan.pid}`)) stop = `pid ${plan.pid} exited`;
      if (stop) break;
      await new Promise((r) => setTimeout(r, Math.min(200, plan.durationMs - elapsed)));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (tty) process.stderr.write('\n');
  }
  return stop ?? 'done';
}

/** `label [#######.............] 12.0s/30.0s`. */
export function progressBar(label: string, elapsedMs: number, totalMs: number, width = 30): string {
  const done = Math.min(1, elapsedMs / totalMs);
  const filled = Math.round(done * width);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${formatSeconds(Math.min(elapsedMs, totalMs))}/${formatSeconds(totalMs)}`;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Moves the profile files the receiver wrote in `workDir` to their output paths, by extension. */
function moveOutputs(workDir: string, outputs: Record<ProfileFormat, string>): string[] {
  const written: string[] = [];
  const files = readdirSync(workDir).sort();
  for (const format of Object.keys(outputs) as ProfileFormat[]) {
    // The receiver writes one profile; take the newest file of each format if there are more.
    const file = files.filter((f) => f.endsWith(PROFILE_EXTENSIONS[format])).pop();
    if (!file) continue;
    renameSync(join(workDir, file), outputs[format]);
    written.push(outputs[format]);
  }
  return written;
}
