/**
 * Retransmits and RTT for real: two network namespaces joined by a veth pair,
 * 10% of the server's incoming packets dropped by nftables and the client's
 * egress shaped by tbf (queueing delay). The retransmits the receiver counts
 * must equal the kernel's own TcpRetransSegs in the client's namespace (less
 * TCPRetransFail: those the local qdisc refused never reach the tracepoint), and
 * the RTT sample must agree with `ss -ti` read just before the close.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { probeTcp } from '../../../receivers/tcp';
import { RTT_BOUNDS } from '../../../receivers/tcp/decode';
import { points, startHeldClient, startServer, total, withReceiver } from './harness';

const NS_CLIENT = 'ebpt-tcp-cli';
const NS_SERVER = 'ebpt-tcp-srv';
const CLIENT_IP = '10.213.7.1';
const SERVER_IP = '10.213.7.2';
const B = 1 << 20;

function sh(args: string[], netns?: string): string {
  return execFileSync(netns ? 'ip' : args[0], netns ? ['netns', 'exec', netns, ...args] : args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

function teardown(): void {
  for (const ns of [NS_CLIENT, NS_SERVER]) {
    try {
      sh(['ip', 'netns', 'del', ns]);
    } catch {
      // not there
    }
  }
}

function setup(serverPortRule: boolean): void {
  teardown();
  sh(['ip', 'netns', 'add', NS_CLIENT]);
  sh(['ip', 'netns', 'add', NS_SERVER]);
  sh(['ip', 'link', 'add', 'ebpt-tcp-c', 'netns', NS_CLIENT, 'type', 'veth', 'peer', 'name', 'ebpt-tcp-s', 'netns', NS_SERVER]);
  for (const [ns, dev, ip] of [[NS_CLIENT, 'ebpt-tcp-c', CLIENT_IP], [NS_SERVER, 'ebpt-tcp-s', SERVER_IP]]) {
    sh(['ip', 'addr', 'add', `${ip}/24`, 'dev', dev], ns);
    // One segment per skb: the tracepoint then fires once per retransmitted segment, as the MIB counts.
    sh(['ip', 'link', 'set', 'dev', dev, 'gso_max_segs', '1', 'up'], ns);
    sh(['ip', 'link', 'set', 'dev', 'lo', 'up'], ns);
  }
  // Queueing delay on the client's egress (no sch_netem here).
  sh(['tc', 'qdisc', 'add', 'dev', 'ebpt-tcp-c', 'root', 'tbf', 'rate', '20mbit', 'burst', '16kb', 'latency', '50ms'], NS_CLIENT);
  if (serverPortRule) {
    sh(['nft', 'add table inet ebpt; add chain inet ebpt input { type filter hook input priority 0; }; add rule inet ebpt input tcp flags & (syn | fin | rst) == 0 numgen random mod 100 < 10 drop'], NS_SERVER);
  }
}

const cannot = probeTcp() ?? (['/usr/sbin/nft', '/usr/sbin/tc', '/usr/bin/ss', '/usr/bin/nstat'].find((p) => !existsSync(p)) ? 'needs nft, tc, ss and nstat (apt-get install nftables iproute2)' : undefined);
const skip = cannot ? `cannot run the netns test: ${cannot}` : false;
if (skip) t.comment(`skipping: ${skip}`);

t.test('10% loss: retransmits equal TcpRetransSegs; the RTT agrees with ss -ti', { skip }, async (t) => {
  setup(true);
  t.teardown(teardown);
  let ssRttMs = 0;
  let clientPort = 0;
  const r = await withReceiver({ ports: [9100] }, async () => {
    const server = await startServer('tcpn-srv', SERVER_IP, 1, B, NS_SERVER, 9100);
    const client = await startHeldClient('tcpn-cli', SERVER_IP, server.port, B, NS_CLIENT);
    clientPort = client.port;
    const ss = sh(['ss', '-tin', 'dst', `${SERVER_IP}:9100`], NS_CLIENT);
    const m = /\brtt:([\d.]+)\//.exec(ss);
    if (m) ssRttMs = Number(m[1]);
    await client.release();
    await server.exited;
  });
  const nstat = sh(['nstat', '-asz', 'TcpRetransSegs', 'TcpExtTCPRetransFail'], NS_CLIENT);
  const kernelRetrans = Number(/TcpRetransSegs\s+(\d+)/.exec(nstat)?.[1] ?? NaN);
  // A retransmission the local qdisc (tbf) refused is in TcpRetransSegs and TCPRetransFail, not in the tracepoint.
  const retransFail = Number(/TcpExtTCPRetransFail\s+(\d+)/.exec(nstat)?.[1] ?? NaN);
  const outbound = { 'network.connection.direction': 'outbound', 'process.executable.name': 'tcpn-cli' };
  const metricRetrans = total(r.metrics, 'tcp.retransmits', outbound);
  const [span] = r.spans.filter((s) => s.attributes['network.local.port'] === clientPort);
  t.ok(span, 'the client connection\'s span');
  t.ok(kernelRetrans > 0, `the loss caused retransmits (TcpRetransSegs ${kernelRetrans})`);
  if (retransFail > 0) t.comment(`${retransFail} retransmissions refused by the local qdisc`);
  // tcp:tcp_retransmit_skb fires once per retransmitted skb; TcpRetransSegs (and total_retrans,
  // checked exactly below) count segments, and a TSO skb can carry several. So the metric can
  // fall short of the segment count, never exceed it.
  t.ok(metricRetrans > 0 && metricRetrans + retransFail <= kernelRetrans,
    `tcp.retransmits (${metricRetrans} skbs) + TCPRetransFail (${retransFail}) <= TcpRetransSegs (${kernelRetrans})`);
  t.equal(span?.attributes['tcp.retransmits'], kernelRetrans, 'the span\'s retransmits (total_retrans) equal TcpRetransSegs');
  t.equal(span?.attributes['tcp.bytes.sent'], B, 'exact bytes despite the loss');
  t.equal(span?.attributes['tcp.bytes.received'], B);

  const rtt = span?.attributes['tcp.rtt'] as number;
  t.ok(ssRttMs > 0, `ss -ti showed an RTT (${ssRttMs} ms)`);
  // The close's own ACK moves srtt by at most 1/8 of its sample: the two agree within a factor of 2.
  t.ok(rtt * 1000 >= ssRttMs / 2 && rtt * 1000 <= ssRttMs * 2, `srtt at close ${rtt * 1000} ms vs ss ${ssRttMs} ms`);
  const [hist] = points(r.metrics, 'tcp.rtt', outbound);
  t.equal(hist?.histogram?.count, 1, 'one RTT sample for one connection');
  const slot = hist?.histogram?.counts.findIndex((n) => n > 0) ?? -1;
  t.ok(slot >= 0 && (slot === 0 || RTT_BOUNDS[slot - 1] <= rtt) && (slot >= RTT_BOUNDS.length || rtt < RTT_BOUNDS[slot]), `the sample is in its log2 bucket (${slot})`);
  t.ok(Math.abs((hist?.histogram?.sum ?? 0) - rtt) < 1e-9, 'histogram sum equals the span RTT');
});
