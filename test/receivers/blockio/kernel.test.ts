/**
 * The blockio receiver on the real kernel: K direct, synchronous 4 KiB
 * writes and K direct reads to a file on the disk behind /var/tmp, and the
 * counts, bytes, latency buckets and spans they must produce; the device
 * filter; the raw_tp variant; release of every program.
 *
 * The disk is shared with everything else on the machine, so the series of
 * the disk count at least our requests; our own requests are told apart in
 * the spans by pid, and matched sector by sector with the file's extents.
 *
 * Open issue: on this shared virtio disk (mq-deadline, ext4 with discard,
 * other workloads running) about one run in 10-20 misses 1-2 of our 100
 * requests (seen once: 9 in metrics-only mode), with no recursion miss on
 * our programs; the diagnostics below print what was seen near the missing
 * sectors. On a loop device of our own (loop.test.ts, biolatency.test.ts)
 * every count is exact, run after run, and equals biolatency's.
 */
import t from 'tap';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { blockioReceiverFactory, probeBlockio } from '../../../receivers/blockio';
import { BlockioReceiver } from '../../../receivers/blockio/receiver';
import { LATENCY_BOUNDS } from '../../../receivers/blockio/decode';
import { listBlockDevices } from '../../../receivers/blockio/devices';
import { receiverContext } from '../../support/receiver-context';
import {
  OUR_PROGRAMS, WORKLOAD_COMM, blockioConfig, dataDir, diskOf, fileSectors, loadedProgramNames, ourProgramsAfterRelease, points, runPass,
  recursionMisses, spanNs, total, withReceiver, type PassResult,
} from './harness';

const K = 100;
const BLOCK = 4096;

const cannot = probeBlockio();
const dir = cannot ? undefined : dataDir();
const disk = dir ? diskOf(dir) : undefined;
const skip = cannot ? `the blockio receiver cannot run here: ${cannot}` : disk?.reason ? `no disk for the test: ${disk.reason}` : false;
if (skip) t.comment(`skipping: ${skip}`);
t.teardown(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});
const DISK = disk?.disk ?? '';
const scheduler = DISK ? readFileSync(`/sys/block/${DISK}/queue/scheduler`, 'utf8') : '';
/** With an I/O scheduler (mq-deadline, bfq, kyber) requests are inserted before issue; with none they may be issued directly. */
const hasScheduler = !/\[none\]/.test(scheduler);

/** The log2 bucket index of a latency, as the kernel's histogram would file it. */
function bucketOf(ns: number): number {
  const i = LATENCY_BOUNDS.findIndex((bound) => ns / 1e9 < bound);
  return i < 0 ? LATENCY_BOUNDS.length : i;
}

t.test(`direct writes and reads: operations, bytes, latency buckets and spans (disk ${DISK}, scheduler ${scheduler.trim()})`, { skip }, async (t) => {
  const file = join(dir as string, 'data');
  await runPass(file, K, 'prepare');
  const expectedSectors = fileSectors(file, K, disk?.startSector ?? 0);
  t.equal(expectedSectors.size, K, `the file's ${K} blocks have ${K} sectors`);
  let write: PassResult | undefined;
  let read: PassResult | undefined;
  let misses: Record<string, number> = {};
  const r = await withReceiver({ devices: [DISK], slow_threshold: '1us', queue_time: true }, async () => {
    write = await runPass(file, K, 'write');
    read = await runPass(file, K, 'read');
    misses = recursionMisses();
  });
  t.equal(r.receiver.variant, 'tp_btf');
  if (!write || !read) return;
  const w = { 'system.device': DISK, 'disk.io.direction': 'write' };
  const rd = { 'system.device': DISK, 'disk.io.direction': 'read' };
  t.ok(total(r.metrics, 'disk.operations', w) >= K, `write operations ${total(r.metrics, 'disk.operations', w)} >= ${K}`);
  t.ok(total(r.metrics, 'disk.io', w) >= K * BLOCK, `bytes written ${total(r.metrics, 'disk.io', w)} >= ${K * BLOCK}`);
  t.ok(total(r.metrics, 'disk.operations', rd) >= K, `read operations ${total(r.metrics, 'disk.operations', rd)} >= ${K}`);
  t.ok(total(r.metrics, 'disk.io', rd) >= K * BLOCK, `bytes read ${total(r.metrics, 'disk.io', rd)} >= ${K * BLOCK}`);
  t.ok(r.metrics.every((m) => m.attributes['system.device'] === DISK), 'only our disk (device filter)');
  const ops = points(r.metrics, 'disk.operations', w)[0];
  t.match(ops, { type: 'sum', monotonic: true, temporality: 'cumulative', unit: '{operation}', valueType: 'int' });
  t.match(points(r.metrics, 'disk.io', w)[0], { unit: 'By', type: 'sum' });
  t.equal(points(r.metrics, 'disk.io', { 'disk.io.direction': 'flush' }).length, 0, 'disk.io has no flush series');

  // Every request measured is a span too (slow_threshold 1 us): the same count, per direction.
  for (const dirName of ['read', 'write', 'flush', 'discard']) {
    const spans = r.spans.filter((s) => s.attributes['disk.io.direction'] === dirName).length;
    t.equal(spans, total(r.metrics, 'disk.operations', { 'system.device': DISK, 'disk.io.direction': dirName }), `${dirName}: one span per operation (${spans})`);
  }

  // Our requests, told apart by pid: one span each, with the writer's pid and comm.
  for (const [pass, dirName] of [[write, 'write'], [read, 'read']] as const) {
    const mine = r.spans.filter((s) => s.attributes['process.pid'] === pass.pid && s.attributes['disk.io.direction'] === dirName);
    // With O_SYNC the writer may also write file-system metadata (inode, journal) itself: other sectors, same pid.
    const ours = mine.filter((s) => expectedSectors.has(s.attributes['disk.request.sector'] as number));
    if (mine.length > ours.length) t.comment(`${dirName}: ${mine.length - ours.length} more requests of pid ${pass.pid} outside the file's blocks (metadata)`);
    t.equal(ours.length, K, `${dirName}: ${K} spans on the file's blocks carry the ${dirName}r's pid ${pass.pid}`);
    if (ours.length !== K) {
      const others = r.spans.filter((s) => s.attributes['disk.io.direction'] === dirName && expectedSectors.has(s.attributes['disk.request.sector'] as number)
        && s.attributes['process.pid'] !== pass.pid);
      t.comment(`${dirName}: the file's blocks in spans of other tasks: ${JSON.stringify(others.map((s) => s.attributes))}`);
      const seen = new Set(ours.map((s) => s.attributes['disk.request.sector'] as number));
      const missing = [...expectedSectors].filter((x) => !seen.has(x));
      t.comment(`${dirName}: missing sectors ${JSON.stringify(missing)}; spans near them: ${JSON.stringify(r.spans.filter((s) => missing.some((x) => Math.abs((s.attributes['disk.request.sector'] as number) - x) <= 64)).map((s) => [s.attributes, s.startTime]))}`);
      t.comment(`recursion misses: ${JSON.stringify(misses)}`);
      t.comment(`spans in all: ${r.spans.length}; metrics: ${JSON.stringify(r.metrics.filter((m) => m.name === 'disk.operations' || m.name === 'disk.io').map((m) => [m.name, m.attributes['disk.io.direction'], m.value]))}; batches ${r.batches.length}`);
    }
    t.ok(ours.every((s) => s.name === 'disk.request' && s.kind === 0), 'named disk.request, kind INTERNAL');
    t.ok(ours.every((s) => s.attributes['process.executable.name'] === WORKLOAD_COMM), `comm ${WORKLOAD_COMM}`);
    t.ok(ours.every((s) => s.attributes['disk.request.size'] === BLOCK && s.attributes['system.device'] === DISK), '4 KiB each, on our disk');
    t.same(new Set(ours.map((s) => s.attributes['disk.request.sector'])), expectedSectors, 'one request per block of the file, sector by sector (filefrag)');
    // A request cannot take longer than the call that waited for it, nor be faster than 1 us of device time here.
    const durations = ours.map(spanNs);
    t.ok(durations.every((ns) => ns >= 1000 && ns <= pass.maxNs), `${dirName}: every latency in [1 us, the longest call ${pass.maxNs} ns]`);
    const sumNs = durations.reduce((a, b) => a + b, 0);
    t.ok(sumNs <= pass.totalNs, `${dirName}: the requests' ${sumNs} ns fit in the pass's ${pass.totalNs} ns`);
    if (hasScheduler) {
      t.ok(ours.every((s) => typeof s.attributes['disk.request.queue_time'] === 'number'), 'seen at insert: queue time on each span');
    }

    const hist = points(r.metrics, 'disk.operation.duration', { 'system.device': DISK, 'disk.io.direction': dirName })[0]?.histogram;
    t.ok(hist, `${dirName}: a duration histogram`);
    if (!hist) continue;
    t.equal(hist.count, total(r.metrics, 'disk.operations', { 'system.device': DISK, 'disk.io.direction': dirName }), 'one latency per operation');
    t.same(hist.bounds, LATENCY_BOUNDS, 'log2 bounds: 2 ns ... 2^35 ns');
    const buckets = new Set(durations.map(bucketOf));
    for (const b of buckets) {
      const low = b === 0 ? 0 : hist.bounds[b - 1];
      t.ok(hist.counts[b] > 0, `${dirName}: bucket [${low}, ${hist.bounds[b] ?? 'inf'}) s holds our requests: ${hist.counts[b]}`);
    }
    const ourInBuckets = [...buckets].reduce((n, b) => n + hist.counts[b], 0);
    t.ok(ourInBuckets >= K, `${dirName}: those buckets hold at least our ${K} requests`);
    t.ok(hist.sum >= sumNs / 1e9, `${dirName}: the histogram's sum ${hist.sum} s includes ours ${sumNs / 1e9} s`);
  }
  if (hasScheduler) {
    const q = points(r.metrics, 'disk.operation.queue_time', w)[0]?.histogram;
    t.ok(q && q.count >= K, `queue-time histogram for writes: ${q?.count} >= ${K}`);
  } else {
    t.comment(`scheduler none on ${DISK}: requests may be issued without insert, so no queue-time assertion`);
  }
  t.same(r.ctx.telemetry.dropped.size, 0, 'nothing dropped');
});

t.test('the raw_tp variant counts the same (metrics only: insert and merge not hooked)', { skip }, async (t) => {
  const file = join(dir as string, 'raw');
  await runPass(file, K, 'prepare');
  const r = await withReceiver({ devices: [DISK] }, async () => {
    await runPass(file, K, 'write');
  }, { variant: 'raw_tp' });
  t.equal(r.receiver.variant, 'raw_tp');
  const w = { 'system.device': DISK, 'disk.io.direction': 'write' };
  t.ok(total(r.metrics, 'disk.operations', w) >= K, `write operations ${total(r.metrics, 'disk.operations', w)} >= ${K}`);
  t.ok(total(r.metrics, 'disk.io', w) >= K * BLOCK);
  t.equal(points(r.metrics, 'disk.operation.duration', w)[0]?.histogram?.count, total(r.metrics, 'disk.operations', w));
  t.equal(points(r.metrics, 'disk.operation.queue_time').length, 0, 'no queue time unless asked');
  t.equal(r.spans.length, 0, 'no spans unless slow_threshold');
});

const other = listBlockDevices().find((d) => !d.disk && d.name !== DISK);
t.test('the device filter runs in the kernel: another disk sees none of our writes', { skip: skip || (other ? false : 'no second block device to filter on') }, async (t) => {
  if (!other) return;
  const file = join(dir as string, 'filtered');
  await runPass(file, K, 'prepare');
  const r = await withReceiver({ devices: [other.name], slow_threshold: '1us' }, async () => {
    await runPass(file, K, 'write');
  });
  t.equal(points(r.metrics, 'disk.operations', { 'system.device': DISK }).length, 0, `no series of ${DISK}`);
  t.ok(r.spans.every((s) => s.attributes['system.device'] === other.name), `spans only of ${other.name}`);
});

t.test('bad input at start: an unknown disk, a missing object', { skip }, async (t) => {
  const unknown = blockioReceiverFactory.create(blockioConfig({ devices: ['vdz9'] }), receiverContext('blockio'));
  await t.rejects(unknown.start(), /blockio: devices: unknown block device "vdz9"/);
  await unknown.shutdown();
  const noObject = new BlockioReceiver(blockioConfig({}), receiverContext('blockio/x'), { objectPath: '/nonexistent/blockio.bpf.o' });
  await t.rejects(noObject.start(), /blockio\/x: \/nonexistent\/blockio\.bpf\.o is missing: run \.\/setup\.sh \(or make -C bpf\)/);
  t.same(await ourProgramsAfterRelease(), [], 'nothing left loaded');
});

t.test('lifecycle: shutdown before start and twice; nothing of ours attached or loaded after', { skip }, async (t) => {
  const idle = blockioReceiverFactory.create(blockioConfig({}), receiverContext('blockio'));
  await idle.shutdown();
  await idle.shutdown();
  const r = blockioReceiverFactory.create(blockioConfig({ slow_threshold: '1s', queue_time: true }), receiverContext('blockio'));
  let completed = false;
  r.batches.subscribe({ complete: () => (completed = true) });
  await r.start();
  const running = loadedProgramNames().filter((n) => OUR_PROGRAMS.includes(n)).sort();
  t.same(running, ['rq_btf_complete', 'rq_btf_insert', 'rq_btf_issue', 'rq_btf_merge'], 'the four tp_btf programs while running');
  await r.shutdown();
  await r.shutdown();
  t.ok(completed, 'batches completes at shutdown');
  t.same(await ourProgramsAfterRelease(), [], 'no program of ours after shutdown');
});
