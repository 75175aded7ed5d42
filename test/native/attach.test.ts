import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { type AddressInfo } from 'node:net';
import { enableStats, tcDefaults, tracefsAvailable, ensureTracefs } from '../../native/index';
import { SLOT, kernelSkipReason, loadRuntime, ownCgroup2Dir, perCpuSum, startWorkload, waitFor, workloadPath } from './kernel';

const skip = kernelSkipReason();
if (skip) t.comment(`kernel tests skipped: ${skip}`);

const N = 1000;

t.test('raw_tp: counts exactly the getppid calls of target_pid, in a per-CPU array and a hash', { skip }, async (t) => {
  const w = await startWorkload('getppid', N);
  t.teardown(() => w.kill());
  const o = await loadRuntime(['count_raw'], { target_pid: w.pid });
  t.teardown(() => o.close());
  const link = o.attach('count_raw');
  t.equal(link.program, 'count_raw');
  t.equal(link.description, 'raw_tp/sys_enter');
  await w.go();
  t.equal(perCpuSum(o.map('counts'), SLOT.RAW_TP), BigInt(N));
  const key = Buffer.alloc(4);
  key.writeUInt32LE(w.pid);
  t.equal(o.map('pids').lookup(key)?.readBigUInt64LE(0), BigInt(N));
  link.destroy();
  link.destroy();
});

t.test('tp_btf: counts exactly', { skip }, async (t) => {
  const w = await startWorkload('getppid', N);
  t.teardown(() => w.kill());
  const o = await loadRuntime(['count_btf'], { target_pid: w.pid });
  t.teardown(() => o.close());
  o.attach('count_btf', { kind: 'auto' });
  await w.go();
  t.equal(perCpuSum(o.map('counts'), SLOT.TP_BTF), BigInt(N));
});

t.test('classic tracepoint: mounts tracefs if needed, counts exactly', { skip }, async (t) => {
  const had = tracefsAvailable();
  const m = ensureTracefs();
  t.equal(m.mounted, !had, 'mounted only if it was not');
  t.ok(tracefsAvailable());
  const w = await startWorkload('getppid', N);
  t.teardown(() => w.kill());
  const o = await loadRuntime(['count_tp'], { target_pid: w.pid });
  t.teardown(() => o.close());
  const l = o.attach('count_tp');
  t.equal(l.description, 'tracepoint/syscalls/sys_enter_getppid');
  await w.go();
  t.equal(perCpuSum(o.map('counts'), SLOT.TRACEPOINT), BigInt(N));
});

t.test('program stats count runs once enableStats() holds', { skip }, async (t) => {
  const stats = enableStats();
  t.teardown(() => stats.close());
  const w = await startWorkload('getppid', N);
  t.teardown(() => w.kill());
  const o = await loadRuntime(['count_raw'], { target_pid: w.pid });
  t.teardown(() => o.close());
  o.attach('count_raw');
  await w.go();
  const s = o.programStats('count_raw');
  t.type(s.runCount, 'bigint');
  t.ok(s.runCount >= BigInt(N), `ran ${s.runCount} times (every syscall of the machine)`);
  t.ok(s.runTimeNs > 0n);
  t.throws(() => o.programStats('nope'), { code: 'ENOENT' });
});

t.test('uprobe and uretprobe: count exactly the calls of a function of the workload', { skip }, async (t) => {
  const w = await startWorkload('calls', N);
  t.teardown(() => w.kill());
  const o = await loadRuntime(['count_uprobe', 'count_uretprobe']);
  t.teardown(() => o.close());
  const bin = workloadPath();
  const up = o.attach('count_uprobe', { kind: 'uprobe', binary: bin, symbol: 'ebpf_test_work', pid: w.pid });
  o.attach('count_uretprobe', { kind: 'uprobe', binary: bin, symbol: 'ebpf_test_work', retprobe: true });
  t.match(up.description, /^uprobe .*workload:ebpf_test_work pid \d+$/);
  await w.go();
  const counts = o.map('counts');
  t.equal(perCpuSum(counts, SLOT.UPROBE), BigInt(N));
  t.equal(perCpuSum(counts, SLOT.URETPROBE), BigInt(N));
  t.throws(
    () => o.attach('count_uprobe', { kind: 'uprobe', binary: bin, symbol: 'no_such_function' }),
    { code: 'ENOENT', syscall: 'bpf_program__attach_uprobe_opts', target: 'count_uprobe' },
  );
});

t.test('uprobe offset: a probe past the first instruction still counts every call; bad offsets are refused', { skip }, async (t) => {
  const bin = workloadPath();
  const symbolLine = execFileSync('nm', ['--defined-only', bin]).toString().split('\n').find((l) => / T ebpf_test_work$/.test(l));
  t.ok(symbolLine, 'nm finds ebpf_test_work');
  const start = parseInt(symbolLine!.split(' ')[0]!, 16);
  // The second instruction's address, from objdump: a probe must sit on an instruction boundary.
  const asm = execFileSync('objdump', ['-d', `--start-address=${start}`, `--stop-address=${start + 32}`, bin]).toString();
  const addresses = asm.split('\n').filter((l) => /^\s+[0-9a-f]+:\t/.test(l)).map((l) => parseInt(l.trim(), 16));
  const offset = addresses[1]! - start;
  t.ok(offset > 0, `second instruction at +${offset}`);
  const w = await startWorkload('calls', N);
  t.teardown(() => w.kill());
  const o = await loadRuntime(['count_uprobe', 'count_uretprobe']);
  t.teardown(() => o.close());
  const up = o.attach('count_uprobe', { kind: 'uprobe', binary: bin, symbol: 'ebpf_test_work', pid: w.pid, offset });
  t.match(up.description, new RegExp(`^uprobe .*workload:ebpf_test_work\\+${offset} pid \\d+$`));
  await w.go();
  t.equal(perCpuSum(o.map('counts'), SLOT.UPROBE), BigInt(N));
  t.throws(() => o.attach('count_uprobe', { kind: 'uprobe', binary: bin, symbol: 'ebpf_test_work', offset: -1 }), { code: 'EINVAL' });
  t.throws(() => o.attach('count_uretprobe', { kind: 'uprobe', binary: bin, symbol: 'ebpf_test_work', offset, retprobe: true }), { code: 'EINVAL' });
});

t.test('perf_event: cpu-clock samples at 99 Hz on every CPU, user stacks of the target', { skip }, async (t) => {
  const w = await startWorkload('spin', 500);
  t.teardown(() => w.kill());
  const o = await loadRuntime(['on_sample'], { target_pid: w.pid });
  t.teardown(() => o.close());
  const l = o.attach('on_sample', { kind: 'perf_event', frequency: 99 });
  t.match(l.description, /^perf_event cpu-clock 99 Hz on \d+ CPUs$/);
  await w.go();
  const counts = o.map('counts');
  const all = perCpuSum(counts, SLOT.PERF);
  const target = perCpuSum(counts, SLOT.PERF_TARGET);
  t.ok(target > 0n, `${target} samples of the busy loop (${all} in all)`);
  t.ok(target <= 60n, 'about 49 at 99 Hz over 0.5 s');
  const stacks = o.map('stacks').entries();
  t.ok(stacks.length > 0, 'the stack map has user stacks');
  t.ok(stacks[0][1].readBigUInt64LE(0) > 0n, 'with addresses');
  l.destroy();
  t.throws(() => o.attach('on_sample', { kind: 'perf_event', frequency: 0 }), { code: 'EINVAL' });
  t.throws(() => o.attach('on_sample', { kind: 'perf_event', frequency: 99, cpus: [4096] }), { code: 'EINVAL' });
});

/** `tc filter show dev lo <direction>` lines naming our program. */
function tcFilters(direction: 'ingress' | 'egress', program: string): string[] {
  const out = execFileSync('tc', ['filter', 'show', 'dev', 'lo', direction]).toString();
  return out.split('\n').filter((l) => l.includes(`${program}`) || l.includes('direct-action'));
}

function hasClsact(): boolean {
  return execFileSync('tc', ['qdisc', 'show', 'dev', 'lo']).toString().includes('clsact');
}

/** A UDP receiver on 127.0.0.1 and a sender of `count` datagrams to it. */
async function udpPair(): Promise<{ port: number; send(count: number): Promise<void>; close(): void }> {
  const rx = createSocket('udp4');
  const tx = createSocket('udp4');
  let received = 0;
  rx.on('message', () => received++);
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
  const port = (rx.address() as AddressInfo).port;
  return {
    port,
    async send(count: number) {
      const start = received;
      for (let i = 0; i < count; i++) {
        await new Promise<void>((r, j) => tx.send(Buffer.from(`packet ${i}`), port, '127.0.0.1', (e) => (e ? j(e) : r())));
      }
      if (!(await waitFor(() => received - start === count, 3000))) throw new Error(`received ${received - start} of ${count}`);
    },
    close() {
      rx.close();
      tx.close();
    },
  };
}

t.test('tc: counts packets on lo ingress; fixed handle/priority; replace, never duplicate; clean detach', { skip }, async (t) => {
  const udp = await udpPair();
  t.teardown(() => udp.close());
  const clsactBefore = hasClsact();
  const defaults = tcDefaults('count_tc');
  t.equal(defaults.priority, 0xeb9f);
  t.equal(defaults.handle >>> 16, 0xeb9f);
  const o = await loadRuntime(['count_tc'], { udp_port: udp.port });
  t.teardown(() => o.close());
  const link = o.attach('count_tc', { kind: 'tc', ifname: 'lo', direction: 'ingress' });
  t.match(link.description, /^tc lo ingress handle 0xeb9f[0-9a-f]{4} priority 0xeb9f$/);
  await udp.send(20);
  t.equal(perCpuSum(o.map('counts'), SLOT.TC), 20n, 'exactly the datagrams sent to the port');
  t.equal(tcFilters('ingress', 'count_tc').length, 1, 'one filter');
  const shown = execFileSync('tc', ['filter', 'show', 'dev', 'lo', 'ingress']).toString();
  t.match(shown, `pref ${0xeb9f}`);
  t.match(shown, `handle 0x${defaults.handle.toString(16)}`);

  // A second object attaching the same program (as after a killed run that left its filter): replaced, not added.
  const stale = await loadRuntime(['count_tc'], { udp_port: udp.port });
  t.teardown(() => stale.close());
  const second = stale.attach('count_tc', { kind: 'tc', ifname: 'lo', direction: 'ingress' });
  t.equal(tcFilters('ingress', 'count_tc').length, 1, 'still one filter');
  await udp.send(5);
  t.equal(perCpuSum(stale.map('counts'), SLOT.TC), 5n, 'the new program has it');
  t.equal(perCpuSum(o.map('counts'), SLOT.TC), 20n, 'the old one no longer runs');
  second.destroy();
  link.destroy(); // its filter is gone already: not an error
  t.equal(tcFilters('ingress', 'count_tc').length, 0, 'no filter of ours after destroy');
  t.equal(hasClsact(), clsactBefore, 'the clsact qdisc is removed if we created it');

  t.throws(() => o.attach('count_tc', { kind: 'tc', ifname: 'nosuchif0', direction: 'ingress' }), { code: 'ENODEV' });
  t.throws(() => o.attach('count_tc', { kind: 'tc', ifname: 'lo', direction: 'ingress', priority: 70000 }), { code: 'EINVAL' });
});

t.test('tc: close() of the object removes its filters too', { skip }, async (t) => {
  const o = await loadRuntime(['count_tc'], { udp_port: 9 });
  o.attach('count_tc', { kind: 'tc', ifname: 'lo', direction: 'egress', handle: 0x1234, priority: 7 });
  t.match(execFileSync('tc', ['filter', 'show', 'dev', 'lo', 'egress']).toString(), 'handle 0x1234');
  await o.close();
  t.notMatch(execFileSync('tc', ['filter', 'show', 'dev', 'lo', 'egress']).toString(), 'handle 0x1234');
});

const cg = skip ? undefined : ownCgroup2Dir();
t.test('cgroup_skb: counts the datagrams delivered to this process\'s cgroup', { skip: skip ?? (cg ? false : 'no cgroup v2 mounted') }, async (t) => {
  if (!cg) return;
  const udp = await udpPair();
  t.teardown(() => udp.close());
  const o = await loadRuntime(['count_cgroup'], { udp_port: udp.port });
  t.teardown(() => o.close());
  const l = o.attach('count_cgroup', { kind: 'cgroup', path: cg });
  t.equal(l.description, `cgroup cgroup_skb/ingress ${cg}`);
  await udp.send(12);
  t.equal(perCpuSum(o.map('counts'), SLOT.CGROUP), 12n);
  l.destroy();
  await udp.send(3);
  t.equal(perCpuSum(o.map('counts'), SLOT.CGROUP), 12n, 'nothing counted after destroy');
  t.throws(() => o.attach('count_cgroup', { kind: 'cgroup', path: '/nonexistent' }), { code: 'ENOENT', syscall: 'open' });
});
