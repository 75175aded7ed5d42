/**
 * The blockio receiver on a loop device of its own: nothing else does I/O
 * there, so every number is exact. K direct, synchronous 4 KiB writes and K
 * direct reads of the raw device: exactly K operations and K * 4 KiB each
 * way, one span per request with the submitter's pid and comm, at sectors
 * 0, 8, 16, ...
 *
 * Exact but for requests the kernel hides from BPF (witness.ts): a loop
 * device's completion softirq can land on top of a task of thread group 1
 * too; the witness tells which, and those must be the only ones missing.
 */
import t from 'tap';
import { probeBlockio } from '../../../receivers/blockio';
import { WORKLOAD_COMM, attachLoop, loopMissing, points, runPass, spanNs, total, withReceiver, type PassResult } from './harness';
import { checkUnseenDrops, diskDev, ourRequests, unmeasured, withWitness, witnessMissing } from './witness';

const K = 64;
const BLOCK = 4096;

const cannot = probeBlockio() ?? loopMissing() ?? witnessMissing();
const skip = cannot ? `cannot run: ${cannot}` : false;
if (skip) t.comment(`skipping: ${skip}`);

t.test('a loop device of our own: exact operations, bytes and spans', { skip }, async (t) => {
  const loop = attachLoop(K * BLOCK * 2);
  t.teardown(() => loop.detach());
  const { device, name } = loop;
  let write: PassResult | undefined;
  let read: PassResult | undefined;
  const { result: r, events } = await withWitness(diskDev(name), () => withReceiver({ devices: [name], slow_threshold: '1us' }, async () => {
    write = await runPass(device, K, 'write');
    read = await runPass(device, K, 'read');
  }));
  if (!write || !read) return;
  const allSectors = Array.from({ length: K }, (_, i) => i * (BLOCK / 512));
  for (const [pass, dirName] of [[write, 'write'], [read, 'read']] as const) {
    const requests = ourRequests(events, dirName === 'write' ? 'W' : 'R', new Set(allSectors), BLOCK / 512);
    t.equal(requests.size, K, `${dirName}: the witness saw each of the ${K} requests complete`);
    const hidden = unmeasured(requests);
    if (hidden.size > 0) t.comment(`${dirName}: ${hidden.size} requests ran a hook in thread group 1, which this kernel hides from BPF`);
    const n = K - hidden.size;
    const expectedSectors = allSectors.filter((x) => !hidden.has(x));
    const a = { 'system.device': name, 'disk.io.direction': dirName };
    t.equal(total(r.metrics, 'disk.operations', a), n, `${dirName}: exactly ${n} operations`);
    t.equal(total(r.metrics, 'disk.io', a), n * BLOCK, `${dirName}: exactly ${n * BLOCK} bytes`);
    const hist = points(r.metrics, 'disk.operation.duration', a)[0]?.histogram;
    t.equal(hist?.count, n, `${dirName}: ${n} latencies`);
    const spans = r.spans.filter((s) => s.attributes['disk.io.direction'] === dirName);
    t.equal(spans.length, n, `${dirName}: ${n} spans`);
    t.ok(spans.every((s) => s.attributes['process.pid'] === pass.pid && s.attributes['process.executable.name'] === WORKLOAD_COMM),
      `${dirName}: every span carries the submitter, pid ${pass.pid} (${WORKLOAD_COMM})`);
    t.same(spans.map((s) => s.attributes['disk.request.sector']).sort((x, y) => (x as number) - (y as number)), expectedSectors,
      `${dirName}: sectors 0, 8, ... ${8 * (K - 1)} (but those hidden)`);
    t.ok(spans.every((s) => s.attributes['disk.request.size'] === BLOCK && s.attributes['system.device'] === name), '4 KiB each, on the loop device');
    const sumNs = spans.map(spanNs).reduce((x, y) => x + y, 0);
    t.ok(hist && Math.abs(hist.sum - sumNs / 1e9) < 1e-6 * K, `${dirName}: the histogram's sum ${hist?.sum} s is the spans' ${sumNs / 1e9} s`);
    t.ok(sumNs <= pass.totalNs, `${dirName}: the requests fit in the pass's ${pass.totalNs} ns`);
  }
  // Flushes after each O_SYNC write are issued by the block layer's worker (kblockd), not by the writer.
  const flushes = r.spans.filter((s) => s.attributes['disk.io.direction'] === 'flush');
  t.equal(flushes.length, total(r.metrics, 'disk.operations', { 'system.device': name, 'disk.io.direction': 'flush' }), 'one span per flush');
  t.ok(flushes.every((s) => s.attributes['disk.request.size'] === 0), 'flushes carry no bytes');
  t.equal(points(r.metrics, 'disk.io', { 'disk.io.direction': 'flush' }).length, 0, 'and no disk.io series');
  checkUnseenDrops(t, r.ctx.telemetry.dropped, events);
});
