import t from 'tap';
import { realpathSync } from 'node:fs';
import { decodeRecordBatch } from '../../native/index';
import type { RecordBatch } from '../../native/api';
import { EVENT, kernelSkipReason, loadRuntime, perCpuSum, startWorkload, waitFor } from './kernel';

const skip = kernelSkipReason();
if (skip) t.comment(`kernel tests skipped: ${skip}`);

/** Checks the records of the batches: 32-byte events of `pid`, with distinct seq. */
function collect(batches: RecordBatch[], pid: number): { records: number; seqs: Set<bigint>; bad: number } {
  const seqs = new Set<bigint>();
  let records = 0;
  let bad = 0;
  for (const b of batches) {
    records += decodeRecordBatch(b, (buf, off, len) => {
      if (len !== EVENT.size || buf.readUInt32LE(off + EVENT.pid) !== pid || buf.readBigUInt64LE(off + EVENT.magic) !== EVENT.MAGIC) bad++;
      seqs.add(buf.readBigUInt64LE(off + EVENT.seq));
    });
  }
  return { records, seqs, bad };
}

for (const noWakeup of [false, true]) {
  t.test(`ring buffer delivers exactly N records in batches${noWakeup ? ' (BPF_RB_NO_WAKEUP: polled by time)' : ''}`, { skip }, async (t) => {
    const N = 5000;
    const w = await startWorkload('getppid', N);
    t.teardown(() => w.kill());
    const o = await loadRuntime(['emit_events'], { target_pid: w.pid, rb_no_wakeup: noWakeup });
    t.teardown(() => o.close());
    const batches: RecordBatch[] = [];
    const reader = o.readRingBuffer('events', (b) => batches.push(b), { maxLatencyMs: 5 });
    o.attach('emit_events');
    await w.go();
    t.ok(await waitFor(() => reader.delivered >= N, 5000), `delivered ${reader.delivered}`);
    await reader.close();
    const { records, seqs, bad } = collect(batches, w.pid);
    t.equal(records, N);
    t.equal(reader.delivered, N);
    t.equal(seqs.size, N, 'every record once');
    t.equal(bad, 0, 'every record is a 32-byte event of the workload');
    t.ok(batches.length < N, `${batches.length} batches for ${N} records`);
    t.equal(reader.batches, batches.length);
    t.equal(perCpuSum(o.map('drops'), 0), 0n, 'no reserve failure');
  });
}

t.test('maxBatchBytes bounds a batch; maxLatencyMs flushes a small one', { skip }, async (t) => {
  const N = 2000;
  const w = await startWorkload('getppid', N);
  t.teardown(() => w.kill());
  const o = await loadRuntime(['emit_events'], { target_pid: w.pid });
  t.teardown(() => o.close());
  const sizes: number[] = [];
  const reader = o.readRingBuffer('events', (b) => sizes.push(b.buffer.length), { maxBatchBytes: 400, maxLatencyMs: 1000 });
  o.attach('emit_events');
  await w.go();
  t.ok(await waitFor(() => reader.delivered >= N, 5000));
  t.ok(sizes.every((s) => s <= 400 && s % 40 === 0), 'at most 400 bytes (10 records of 40)');
  t.equal(sizes.slice(0, -1).every((s) => s === 400), true, 'full batches but the last');
  await reader.close();
  t.equal(reader.delivered, N);
});

t.test('maxLatencyMs 0 delivers a lone record at its wakeup, not at the next pollMs look', { skip }, async (t) => {
  const w = await startWorkload('getppid', 1);
  t.teardown(() => w.kill());
  const o = await loadRuntime(['emit_events'], { target_pid: w.pid });
  t.teardown(() => o.close());
  let at = 0;
  const reader = o.readRingBuffer('events', () => (at ||= Date.now()), { maxLatencyMs: 0, pollMs: 1000 });
  o.attach('emit_events');
  const start = Date.now();
  await w.go();
  t.ok(await waitFor(() => reader.delivered === 1, 5000), 'delivered');
  t.ok(at - start < 500, `delivered ${at - start} ms after the event (the reader looks by itself every 1000 ms)`);
  t.equal(reader.batches, 1);
  await reader.close();
});

t.test('close() delivers what is pending before it resolves', { skip }, async (t) => {
  const N = 300;
  const w = await startWorkload('getppid', N);
  t.teardown(() => w.kill());
  const o = await loadRuntime(['emit_events'], { target_pid: w.pid, rb_no_wakeup: true });
  t.teardown(() => o.close());
  let got = 0;
  const reader = o.readRingBuffer('events', (b) => (got += b.count), { maxLatencyMs: 60_000, pollMs: 1000 });
  o.attach('emit_events');
  await w.go();
  await reader.close();
  t.equal(got, N, 'flushed on close');
  await reader.close();
});

t.test('mapsPidOffset attaches the executable lines of /proc/PID/maps; flush() hands over what the thread holds', { skip }, async (t) => {
  // The target is this process (alive throughout): `process.ppid` is a getppid call.
  const N = 3;
  const o = await loadRuntime(['emit_events'], { target_pid: process.pid });
  t.teardown(() => o.close());
  const batches: RecordBatch[] = [];
  const reader = o.readRingBuffer('events', (b) => batches.push(b), { maxLatencyMs: 60_000, pollMs: 1000, mapsPidOffset: EVENT.pid });
  o.attach('emit_events');
  for (let i = 0; i < N; i++) void process.ppid;
  // Held for 60 s by the thread: only flush() hands them over.
  t.ok(await waitFor(() => (reader.flush(), reader.delivered === N), 5000), `delivered ${reader.delivered} by flush()`);
  const attached: string[] = [];
  let pids = 0;
  for (const b of batches) {
    decodeRecordBatch(b, (buf, off, len, n) => {
      if (len === EVENT.size && buf.readUInt32LE(off + EVENT.pid) === process.pid) pids++;
      const at = off + Math.ceil(len / 8) * 8;
      attached.push(buf.toString('utf8', at, at + n));
    });
  }
  t.equal(pids, N, 'the records themselves are intact');
  t.equal(attached.length, N);
  for (const text of attached) {
    const lines = text.split('\n').filter(Boolean);
    t.ok(lines.length >= 2, `${lines.length} executable mappings`);
    t.ok(lines.every((l) => /^[0-9a-f]+-[0-9a-f]+ ..x. /.test(l)), 'only executable lines, whole');
    t.ok(lines.some((l) => l.endsWith(` ${realpathSync(process.execPath)}`)), 'the node binary among them');
  }
  reader.flush();
  t.equal(reader.delivered, N, 'flush() with nothing held delivers nothing');
  await reader.close();
  t.equal(reader.delivered, N);
});

t.test('when JS falls behind, the kernel counts the drops: delivered + drops == N', { skip }, async (t) => {
  const N = 20000;
  const w = await startWorkload('getppid', N);
  t.teardown(() => w.kill());
  const o = await loadRuntime(['emit_events'], { target_pid: w.pid }, (o) => o.setMaxEntries('events', 4096));
  t.teardown(() => o.close());
  const reader = o.readRingBuffer('events', () => undefined, { maxBatchBytes: 64, maxLatencyMs: 1 });
  o.attach('emit_events');
  const done = w.go();
  // Block the JS thread while the workload runs: the reader thread fills its
  // 64 in-flight batches, blocks, and the ring buffer (4 KiB) overflows.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  await done;
  const drops = () => perCpuSum(o.map('drops'), 0);
  t.ok(await waitFor(() => BigInt(reader.delivered) + drops() === BigInt(N), 5000), `delivered ${reader.delivered} + drops ${drops()} == ${N}`);
  t.ok(drops() > 0n, 'some reserve failures');
  t.ok(reader.delivered > 0, 'some delivered');
  await reader.close();
});

t.test('readRingBuffer refuses what is not a ring buffer, and bad options', { skip }, async (t) => {
  const o = await loadRuntime(['emit_events']);
  t.teardown(() => o.close());
  t.throws(() => o.readRingBuffer('pids', () => undefined), { code: 'EINVAL', syscall: 'ring_buffer__new', target: 'pids' });
  t.throws(() => o.readRingBuffer('nope', () => undefined), { code: 'ENOENT' });
  t.throws(() => o.readRingBuffer('events', () => undefined, { maxLatencyMs: -1 }), { code: 'EINVAL' });
  // The object's close() stops a reader left open.
  const r = o.readRingBuffer('events', () => undefined);
  await o.close();
  t.equal((await Promise.race([r.close().then(() => 'closed'), new Promise((res) => setTimeout(() => res('timeout'), 1000))])), 'closed');
});
