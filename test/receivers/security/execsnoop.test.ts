/**
 * The receiver's process.exec events agree with libbpf-tools execsnoop
 * (/usr/sbin/execsnoop) for the same commands: same pids, parents, uids and
 * argv, and no exec one saw that the other missed.
 */
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { bpfToolchainMissing } from '../../support/bpf-compile';
import { events, secactPath, sleep, withSecurity } from './harness';

const EXECSNOOP = '/usr/sbin/execsnoop';
const skip = process.getuid?.() !== 0 ? 'needs root'
  : !existsSync(EXECSNOOP) ? `${EXECSNOOP} is not installed (Debian: apt-get install bpfcc-tools or libbpf-tools)`
  : bpfToolchainMissing();

interface SnoopLine { uid: number; comm: string; pid: number; ppid: number; ret: number; args: string }

t.test('process.exec matches execsnoop', { skip }, async (t) => {
  const marker = `ZZSEC${process.pid}`;
  const snoop = spawn('stdbuf', ['-oL', EXECSNOOP, '-U'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: SnoopLine[] = [];
  const rl = createInterface({ input: snoop.stdout });
  const ready = new Promise<void>((resolve) => {
    rl.on('line', (line) => {
      if (line.startsWith('UID')) resolve();
      const m = /^(\d+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(-?\d+)\s(.*)$/.exec(line);
      if (m && line.includes(marker)) lines.push({ uid: +m[1], comm: m[2], pid: +m[3], ppid: +m[4], ret: +m[5], args: m[6].trim() });
    });
  });
  await Promise.race([ready, sleep(15000)]);
  const commands: string[][] = [
    ['/bin/echo', marker, 'one'],
    ['/bin/sh', '-c', `: ${marker}`],
    [secactPath(), 'exit', '0', marker],
    ['/usr/bin/printf', '%s', marker],
    ['/usr/bin/env', `${marker}=1`, '/bin/true', marker],
  ];
  const run = await withSecurity({ events: ['process.exec'] }, async () => {
    for (const c of commands) {
      try {
        execFileSync(c[0], c.slice(1), { stdio: 'ignore' });
      } catch {
        // the exit status does not matter here
      }
    }
    await sleep(500);
  });
  snoop.kill('SIGINT');
  await new Promise((resolve) => snoop.once('exit', resolve));

  const ours = events(run.records, 'process.exec').filter((r) => (r.attributes['process.command_args'] as string[]).some((a) => a.includes(marker)));
  t.equal(lines.length, 6, 'execsnoop saw 6 execs (env execs true)');
  t.equal(ours.length, lines.length, 'as many exec events as execsnoop lines');
  const byPid = new Map(ours.map((r) => [`${r.attributes['process.pid']}:${(r.attributes['process.command_args'] as string[]).join(' ')}`, r.attributes]));
  for (const l of lines) {
    const a = byPid.get(`${l.pid}:${l.args}`);
    t.ok(a, `execsnoop's ${l.pid} ${l.args} is an event`);
    if (!a) continue;
    t.equal(a['process.parent_pid'], l.ppid, `${l.comm}: parent`);
    t.equal(a['process.real_user.id'], l.uid, `${l.comm}: uid`);
    t.equal((a['process.executable.name'] as string).slice(0, 15), l.comm, `${l.comm}: name`);
    t.equal(l.ret, 0);
  }
});
