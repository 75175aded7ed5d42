/**
 * The blockio receiver on a loop device of its own: nothing else does I/O
 * there, so every number is exact. K direct, synchronous 4 KiB writes and K
 * direct reads of the raw device: exactly K operations and K * 4 KiB each
 * way, one span per request with the submitter's pid and comm, at sectors
 * 0, 8, 16, ...
 */
import t from 'tap';
import { probeBlockio } from '../../../receivers/blockio';
import { WORKLOAD_COMM, attachLoop, loopMissing, points, runPass, spanNs, total, withReceiver, type PassResult } from './harness';

const K = 64;
const BLOCK = 4096;

const cannot = probeBlockio() ?? loopMissing();
const skip = cannot ? `cannot run: ${cannot}` : false;
if (skip) t.comment(`skipping: ${skip}`);

t.test('a loop device of our own: exact operations, bytes and spans', { skip }, async (t) => {
  const loop = attachLoop(K * BLOCK * 2);
  t.teardown(() => loop.detach());
  const { device, name } = loop;
  let write: PassResult | undefined;
  let read: PassResult | undefined;
  const r = await withReceiver({ devices: [name], slow_threshold: '1us' }, async () => {
    write = await runPass(device, K, 'write');
    read = await runPass(device, K, 'read');
  });
  if (!write || !read) return;
  const expectedSectors = Array.from({ length: K }, (_, i) => i * (BLOCK / 512));
  for (const [pass, dirName] of [[write, 'write'], [read, 'read']] as const) {
    const a = { 'system.device': name, 'disk.io.direction': dirName };
    t.equal(total(r.metrics, 'disk.operations', a), K, `${dirName}: exactly ${K} operations`);
    t.equal(total(r.metrics, 'disk.io', a), K * BLOCK, `${dirName}: exactly ${K * BLOCK} bytes`);
    const hist = points(r.metrics, 'disk.operation.duration', a)[0]?.histogram;
    t.equal(hist?.count, K, `${dirName}: ${K} latencies`);
    const spans = r.spans.filter((s) => s.attributes['disk.io.direction'] === dirName);
    t.equal(spans.length, K, `${dirName}: ${K} spans`);
    t.ok(spans.every((s) => s.attributes['process.pid'] === pass.pid && s.attributes['process.executable.name'] === WORKLOAD_COMM),
      `${dirName}: every span carries the submitter, pid ${pass.pid} (${WORKLOAD_COMM})`);
    t.same(spans.map((s) => s.attributes['disk.request.sector']).sort((x, y) => (x as number) - (y as number)), expectedSectors, `${dirName}: sectors 0, 8, ... ${8 * (K - 1)}`);
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
  t.same(r.ctx.telemetry.dropped.size, 0, 'nothing dropped');
});
