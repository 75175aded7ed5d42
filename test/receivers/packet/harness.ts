/** Runs the packet receiver against real traffic between network namespaces, for the kernel tests. */
import { execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import type { CreateContext } from '../../../core/component';
import { packetReceiverFactory } from '../../../receivers/packet';
import type { PacketConfig } from '../../../receivers/packet/config';
import { PacketReceiver } from '../../../receivers/packet/receiver';
import { receiverContext as sharedReceiverContext, schemaConfig } from '../../support/receiver-context';
import { runReceiver, type ReceiverRun } from '../../support/receiver-run';
export { points, total, sleep } from '../../support/metric-points';

/** The collection interval of every kernel test. */
export const INTERVAL_MS = 200;
/** The peer's network namespace. */
export const PEER_NS = 'ebpt-pkt-b';
/** The veth end in the root namespace (ours: the receiver attaches here). */
export const LOCAL_IF = 'ebpt-pkt-a';
/** The veth end inside PEER_NS. */
export const PEER_IF = 'ebpt-pkt-p';
/** Addresses of the two ends. */
export const LOCAL_ADDR = '10.213.7.1';
export const PEER_ADDR = '10.213.7.2';
/** The port of the peer's UDP sink. */
export const SINK_PORT = 9999;

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** Runs `ip ARGS...`; errors ignored when `quiet`. */
export function ip(args: string[], quiet = false): void {
  try {
    run('ip', args);
  } catch (err) {
    if (!quiet) throw err;
  }
}

/** Creates PEER_NS and the veth pair LOCAL_IF (root ns) <-> PEER_IF (PEER_NS), IPv6 off on both ends. */
export function setupVeth(): void {
  teardownVeth();
  ip(['netns', 'add', PEER_NS]);
  ip(['link', 'add', LOCAL_IF, 'type', 'veth', 'peer', 'name', PEER_IF, 'netns', PEER_NS]);
  run('sysctl', ['-q', '-w', `net.ipv6.conf.${LOCAL_IF}.disable_ipv6=1`]);
  ip(['netns', 'exec', PEER_NS, 'sysctl', '-q', '-w', `net.ipv6.conf.${PEER_IF}.disable_ipv6=1`]);
  ip(['addr', 'add', `${LOCAL_ADDR}/30`, 'dev', LOCAL_IF]);
  ip(['-n', PEER_NS, 'addr', 'add', `${PEER_ADDR}/30`, 'dev', PEER_IF]);
  ip(['link', 'set', LOCAL_IF, 'up']);
  ip(['-n', PEER_NS, 'link', 'set', PEER_IF, 'up']);
  ip(['-n', PEER_NS, 'link', 'set', 'lo', 'up']);
}

/** Deletes what setupVeth made (deleting the namespace deletes the pair). */
export function teardownVeth(): void {
  ip(['link', 'del', LOCAL_IF], true);
  ip(['netns', 'del', PEER_NS], true);
}

/** `tc qdisc show` and `tc filter show` (both directions) of a device, to compare before and after. */
export function tcState(dev: string): string {
  return ['qdisc', 'filter ingress', 'filter egress']
    .map((what) => run('tc', [...what.split(' ').slice(0, 1), 'show', 'dev', dev, ...what.split(' ').slice(1)]))
    .join('---\n');
}

/** Starts a UDP sink in PEER_NS (so the datagrams draw no ICMP port-unreachable); resolves once it listens. */
export async function startUdpSink(): Promise<() => void> {
  const code = `const s=require('dgram').createSocket('udp4');s.on('message',()=>{});s.bind(${SINK_PORT},'${PEER_ADDR}',()=>console.log('ready'));`;
  const child = spawn('ip', ['netns', 'exec', PEER_NS, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', () => resolve());
    child.once('exit', (c) => reject(new Error(`udp sink exited with ${c}`)));
  });
  return () => child.kill();
}

/** Sends `count` UDP datagrams of `size` payload bytes from LOCAL_ADDR to the peer's sink. */
export async function sendUdp(count: number, size: number): Promise<void> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, LOCAL_ADDR, resolve));
  const payload = Buffer.alloc(size, 0x61);
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) => sock.send(payload, SINK_PORT, PEER_ADDR, (err) => (err ? reject(err) : resolve())));
  }
  await new Promise<void>((resolve) => sock.close(resolve));
}

/** `ping -c count -s size` from the root namespace to the peer; resolves when all replies came back. */
export function ping(count: number, size: number): void {
  run('ping', ['-q', '-n', '-c', String(count), '-s', String(size), '-i', '0.01', '-W', '2', PEER_ADDR]);
}

/** A receiver context with silent logs and fresh counters. */
export function receiverContext(id = 'packet'): CreateContext {
  return sharedReceiverContext(id);
}

/** A config through the schema (defaults filled in), as the loader would hand it to create(). */
export function packetConfig(config: Record<string, unknown>): PacketConfig {
  return schemaConfig<PacketConfig>(packetReceiverFactory.schema, { collection_interval: `${INTERVAL_MS}ms`, interface_poll_interval: `${INTERVAL_MS}ms`, ...config });
}

/** What a receiver run saw. */
export interface RunResult extends ReceiverRun {
  ctx: CreateContext;
  receiver: PacketReceiver;
}

/** Starts the receiver, runs `body`, waits one interval and a bit, shuts down. */
export async function withReceiver(config: Record<string, unknown>, body: (r: PacketReceiver) => Promise<void>): Promise<RunResult> {
  const ctx = receiverContext();
  const receiver = new PacketReceiver(packetConfig(config), ctx);
  return { ...(await runReceiver(receiver, () => body(receiver), INTERVAL_MS * 1.5)), ctx, receiver };
}

