/** Runs the security receiver against real actions, for the kernel tests. */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { CreateContext } from '../../../core/component';
import type { Attributes, LogRecord } from '../../../core/signals';
import { securityReceiverFactory } from '../../../receivers/security';
import type { SecurityConfig } from '../../../receivers/security/config';
import { SecurityReceiver, type SecurityReceiverOptions } from '../../../receivers/security/receiver';
import { compileC } from '../../support/bpf-compile';
import { receiverContext, schemaConfig } from '../../support/receiver-context';
import { sleep } from '../../support/metric-points';
export { sleep } from '../../support/metric-points';

/** The collection interval of the kernel tests. */
export const INTERVAL_MS = 200;

/** A config through the schema (defaults filled in). */
export function securityConfig(config: Record<string, unknown>): SecurityConfig {
  return schemaConfig<SecurityConfig>(securityReceiverFactory.schema, { collection_interval: `${INTERVAL_MS}ms`, ...config });
}

/** The compiled fixtures/secact.c. */
export function secactPath(): string {
  return compileC(join(__dirname, 'fixtures', 'secact.c'));
}

/** What one secact run printed ("key value" lines; a key printed twice keeps every value) and its exit status. */
export interface SecactResult {
  pid: number;
  values: Map<string, number[]>;
  code: number | null;
  /** The first value of `key` (throws when it was not printed). */
  get(key: string): number;
}

/** Runs secact with `args` to its end. */
export function secact(args: string[], options: { cwd?: string } = {}): Promise<SecactResult> {
  return new Promise((resolve) => {
    execFile(secactPath(), args, { cwd: options.cwd }, (err, stdout) => {
      const values = new Map<string, number[]>();
      for (const line of stdout.split('\n')) {
        const m = /^(\w+) (-?\d+)$/.exec(line);
        if (m) values.set(m[1], [...(values.get(m[1]) ?? []), Number(m[2])]);
      }
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      const get = (key: string): number => {
        const v = values.get(key);
        if (!v) throw new Error(`secact ${args.join(' ')} did not print ${key}: ${stdout}`);
        return v[0];
      };
      resolve({ pid: get('pid'), values, code: typeof code === 'number' ? code : null, get });
    });
  });
}

/** What a receiver run saw. */
export interface SecurityRun {
  records: LogRecord[];
  ctx: CreateContext;
  receiver: SecurityReceiver;
}

/** Starts the receiver, runs `body`, waits a bit for the ring buffer and the drop report, shuts down. */
export async function withSecurity(
  config: Record<string, unknown>, body: (run: SecurityRun) => Promise<void>, options: SecurityReceiverOptions = {},
): Promise<SecurityRun> {
  const ctx = receiverContext('security');
  const receiver = new SecurityReceiver(securityConfig(config), ctx, options);
  const run: SecurityRun = { records: [], ctx, receiver };
  receiver.batches.subscribe((b) => {
    if (b.signal === 'logs') for (const r of b.records) run.records.push(r);
  });
  await receiver.start();
  try {
    await body(run);
    await sleep(INTERVAL_MS * 2);
  } finally {
    await receiver.shutdown();
  }
  return run;
}

/** The records of `name` by process `pid` (every record when pid is undefined) whose attributes include `match`. */
export function events(records: LogRecord[], name: string, pid?: number, match: Attributes = {}): LogRecord[] {
  return records.filter((r) => r.eventName === name && (pid === undefined || r.attributes['process.pid'] === pid)
    && Object.entries(match).every(([k, v]) => JSON.stringify(r.attributes[k]) === JSON.stringify(v)));
}

/** Our program names (bpf/security.bpf.c; the kernel keeps 15 bytes). */
export const OUR_PROGRAMS = ['sec_exec', 'sec_fork', 'sec_exit', 'sec_sys_enter', 'sec_sys_exit', 'sec_raw_exec', 'sec_raw_fork', 'sec_raw_exit', 'sec_rsys_enter', 'sec_rsys_exit'];

/** Ids of loaded programs with our names (another test run's too: compare before and after). */
export function ourProgramIds(): Set<number> {
  const progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show']).toString()) as Array<{ id: number; name?: string }>;
  return new Set(progs.filter((p) => OUR_PROGRAMS.includes(p.name ?? '')).map((p) => p.id));
}

/** Which of `ids` are still loaded, polled until none is or `timeoutMs` passed (programs go after an RCU grace period). */
export async function stillLoaded(ids: Set<number>, timeoutMs = 3000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = ourProgramIds();
    const left = [...ids].filter((id) => now.has(id));
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(50);
  }
}
