/**
 * The packet receiver on the real kernel: a veth pair between the root
 * namespace and ebpt-pkt-b; exactly P UDP datagrams and P ICMP echoes from
 * the root side, and the exact counts, bytes and size buckets they must
 * produce on the root-side end; tc state restored at shutdown; interfaces
 * that come and go; top flows; bad interfaces.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import type { MetricRecord } from '../../../core/signals';
import { packetReceiverFactory, probePacket } from '../../../receivers/packet';
import { PacketReceiver } from '../../../receivers/packet/receiver';
import { SIZE_BOUNDS } from '../../../receivers/packet/decode';
import {
  LOCAL_ADDR, LOCAL_IF, PEER_ADDR, PEER_NS, SINK_PORT, ip, packetConfig, ping, points, receiverContext, sendUdp, setupVeth, sleep,
  startUdpSink, tcState, teardownVeth, total, withReceiver,
} from './harness';

const P = 50;
const UDP_SIZE = 600; // frame: 14 + 20 + 8 + 600 = 642 bytes: slot 9, (511, 1023]
const ICMP_SIZE = 200; // frame: 14 + 20 + 8 + 200 = 242 bytes: slot 7, (127, 255]
const UDP_FRAME = 14 + 20 + 8 + UDP_SIZE;
const ICMP_FRAME = 14 + 20 + 8 + ICMP_SIZE;

const cannot = probePacket({});
const skip = cannot ? `the packet receiver cannot run here: ${cannot}` : false;
if (skip) t.comment(`skipping: ${skip}`);

if (!skip) {
  setupVeth();
  t.teardown(teardownVeth);
}

const on = { 'network.interface.name': LOCAL_IF, 'network.type': 'ipv4' };
const tx = { ...on, 'network.io.direction': 'transmit' };
const rx = { ...on, 'network.io.direction': 'receive' };

t.test('UDP and ICMP counts, bytes and size buckets are exact, by direction', { skip }, async (t) => {
  const stopSink = await startUdpSink();
  t.teardown(stopSink);
  const before = tcState(LOCAL_IF);
  const r = await withReceiver({ interfaces: [LOCAL_IF] }, async (rcv) => {
    t.same(rcv.interfaces(), [LOCAL_IF]);
    await sendUdp(P, UDP_SIZE);
    ping(P, ICMP_SIZE);
  });
  t.equal(tcState(LOCAL_IF), before, 'tc qdisc and filters are as before start');

  const udp = { 'network.transport': 'udp' };
  const icmp = { 'network.transport': 'icmp' };
  t.equal(total(r.metrics, 'network.packets', { ...tx, ...udp }), P, 'UDP sent');
  t.equal(total(r.metrics, 'network.packets', { ...rx, ...udp }), 0, 'no UDP received');
  t.equal(total(r.metrics, 'network.io', { ...tx, ...udp }), P * UDP_FRAME, 'UDP bytes sent');
  t.equal(total(r.metrics, 'network.packets', { ...tx, ...icmp }), P, 'echo requests sent');
  t.equal(total(r.metrics, 'network.packets', { ...rx, ...icmp }), P, 'echo replies received');
  t.equal(total(r.metrics, 'network.io', { ...rx, ...icmp }), P * ICMP_FRAME, 'ICMP bytes received');
  t.equal(total(r.metrics, 'network.packets', { 'network.interface.name': LOCAL_IF, 'network.type': 'ipv6' }), 0, 'no IPv6 (disabled)');
  // Only ARP besides: requests/replies resolving the two ends, counted apart.
  const others = points(r.metrics, 'network.packets').filter((m) => m.attributes['network.type'] !== 'ipv4' && m.attributes['network.type'] !== 'arp');
  t.same(others.map((m) => m.attributes), [], 'nothing but IPv4 and ARP');
  t.ok(total(r.metrics, 'network.packets', { 'network.type': 'arp' }) <= 8, 'a few ARP packets at most');

  const [hudp] = points(r.metrics, 'network.packet.size', { ...tx, ...udp });
  t.equal(SIZE_BOUNDS[8], 511);
  t.equal(SIZE_BOUNDS[9], 1023);
  t.equal(hudp?.histogram?.counts[9], P, `all ${P} UDP frames of ${UDP_FRAME} bytes in (511, 1023]`);
  t.equal(hudp?.histogram?.count, P);
  t.equal(hudp?.histogram?.sum, P * UDP_FRAME);
  const [hicmp] = points(r.metrics, 'network.packet.size', { ...rx, ...icmp });
  t.equal(hicmp?.histogram?.counts[7], P, `all ${P} echo replies of ${ICMP_FRAME} bytes in (127, 255]`);
  t.match(points(r.metrics, 'network.packets', tx)[0], { type: 'sum', monotonic: true, temporality: 'cumulative', unit: '{packet}', valueType: 'int' });
  t.match(points(r.metrics, 'network.io', tx)[0], { unit: 'By' });
  t.same(r.ctx.telemetry.dropped.size, 0, 'nothing dropped');
});

t.test('shutdown removes only our filters: a foreign clsact filter stays', { skip }, async (t) => {
  ip(['link', 'set', LOCAL_IF, 'up']);
  execTc(['qdisc', 'add', 'dev', LOCAL_IF, 'clsact']);
  // A u32 filter that never matches (a classifying one would end the chain before ours runs).
  execTc(['filter', 'add', 'dev', LOCAL_IF, 'ingress', 'prio', '1', 'protocol', 'all', 'u32', 'match', 'u32', '0x12345678', '0xffffffff', 'at', '0', 'classid', '1:1']);
  t.teardown(() => execTc(['qdisc', 'del', 'dev', LOCAL_IF, 'clsact'], true));
  const before = tcState(LOCAL_IF);
  const r = await withReceiver({ interfaces: [LOCAL_IF] }, async () => {
    t.match(tcState(LOCAL_IF), /pkt_ingress/, 'our filter is there while running');
    ping(5, 56);
  });
  t.equal(total(r.metrics, 'network.packets', { ...rx, 'network.transport': 'icmp' }), 5, 'counted alongside the foreign filter');
  t.equal(tcState(LOCAL_IF), before, 'the foreign qdisc and filter are untouched');
});

t.test('interfaces matching a glob are attached when they appear and detached when they go', { skip }, async (t) => {
  const extra = 'ebpt-pkt-x';
  ip(['link', 'del', extra], true);
  t.teardown(() => ip(['link', 'del', extra], true));
  await withReceiver({ interfaces: ['ebpt-pkt-[xy]'] }, async (rcv) => {
    t.same(rcv.interfaces(), [], 'nothing matches yet');
    ip(['link', 'add', extra, 'type', 'veth', 'peer', 'name', 'ebpt-pkt-q', 'netns', PEER_NS]);
    ip(['link', 'set', extra, 'up']);
    await until(() => rcv.interfaces().length === 1);
    t.same(rcv.interfaces(), [extra], 'attached when it appeared');
    t.match(tcState(extra), /pkt_egress/);
    ip(['link', 'del', extra]);
    await until(() => rcv.interfaces().length === 0);
    t.same(rcv.interfaces(), [], 'detached when it went');
  });
});

t.test('top flows: the UDP 5-tuple with its exact packets and bytes', { skip }, async (t) => {
  const stopSink = await startUdpSink();
  t.teardown(stopSink);
  const r = await withReceiver({ interfaces: [LOCAL_IF], flows: { enabled: true, top_k: 1, ports: [SINK_PORT] } }, async () => {
    await sendUdp(P, UDP_SIZE);
    ping(3, 56); // filtered out by ports, and smaller anyway
  });
  const all = r.batches.flatMap((b) => b.records as MetricRecord[]);
  const flows = points(all, 'network.flow.io');
  t.ok(flows.length >= 1, 'the flow was reported');
  const last = flows[flows.length - 1];
  t.match(last, {
    value: P * UDP_FRAME,
    attributes: {
      'network.io.direction': 'transmit', 'network.transport': 'udp', 'source.address': LOCAL_ADDR,
      'destination.address': PEER_ADDR, 'destination.port': SINK_PORT,
    },
  });
  t.equal(points(all, 'network.flow.io', { 'network.transport': 'icmp' }).length, 0, 'ICMP is not a flow of the port filter');
});

t.test('max_series folds the extra series into one overflow point per metric', { skip }, async (t) => {
  const r = await withReceiver({ interfaces: [LOCAL_IF], max_series: 1 }, async () => {
    ping(4, 56);
  });
  const pk = points(r.metrics, 'network.packets');
  t.equal(pk.length, 2, 'one admitted series, one overflow series');
  t.equal(pk.filter((m) => m.attributes.overflow === true).length, 1);
  t.ok(r.ctx.telemetry.folded > 0, 'folds are counted');
  t.equal(pk.reduce((n, m) => n + (m.value ?? 0), 0) >= 8, true, 'no packet lost in folding');
});

t.test('a nonexistent interface: a clear error from probe and start, nothing left attached', { skip }, async (t) => {
  const config = packetConfig({ interfaces: ['ebpt-pkt-nope', LOCAL_IF] });
  t.match(probePacket(config), /interface "ebpt-pkt-nope" not found/);
  const before = tcState(LOCAL_IF);
  const rcv = new PacketReceiver(config, receiverContext());
  await t.rejects(rcv.start(), /packet: interface "ebpt-pkt-nope" not found .*optional: true/);
  await rcv.shutdown();
  t.equal(tcState(LOCAL_IF), before);
  t.equal(packetReceiverFactory.probe?.(packetConfig({ interfaces: ['ebpt-pkt-*'] })), undefined, 'a pattern may match nothing');
});

function execTc(args: string[], quiet = false): void {
  try {
    execFileSync('tc', args, { stdio: 'pipe' });
  } catch (err) {
    if (!quiet) throw err;
  }
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await sleep(50);
}
