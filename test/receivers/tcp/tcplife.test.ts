/**
 * The tcp receiver agrees with libbpf-tools' tcplife over the same loopback
 * traffic: one closed connection per line, same owner comm, ports and bytes
 * (tcplife prints KB with two decimals and counts the SYN and FIN sequence
 * numbers in its bytes, so B is a multiple of 1024 and compared in KB).
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { probeTcp } from '../../../receivers/tcp';
import { runClient, startServer, withReceiver } from './harness';

const TCPLIFE = '/usr/sbin/tcplife';
const K = 4;
const B = 100 * 1024;

const cannot = probeTcp() ?? (existsSync(TCPLIFE) ? undefined : `${TCPLIFE} is missing (apt-get install libbpf-tools)`);
const skip = cannot ? `cannot compare with tcplife: ${cannot}` : false;
if (skip) t.comment(`skipping: ${skip}`);

t.test('the same connections, owners, ports and bytes as tcplife', { skip }, async (t) => {
  const tcplife = spawn('stdbuf', ['-oL', TCPLIFE, '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const rl = createInterface({ input: tcplife.stdout });
  const ready = new Promise<void>((resolve, reject) => {
    rl.on('line', (line) => {
      if (line.startsWith('PID')) resolve();
      else lines.push(line);
    });
    tcplife.once('exit', (code) => reject(new Error(`tcplife exited with ${code}`)));
  });
  const exited = new Promise<void>((resolve) => tcplife.once('exit', () => resolve()));
  let serverPort = 0;
  try {
    await ready;
    const r = await withReceiver({}, async () => {
      const server = await startServer('tcpl-srv', '127.0.0.1', K, B);
      serverPort = server.port;
      await runClient('client', 'tcpl-cli', '127.0.0.1', server.port, K, B);
      await server.exited;
    });
    tcplife.kill('SIGINT');
    await exited;
    const kb = (n: number) => (n / 1024).toFixed(2);
    // PID COMM LADDR LPORT RADDR RPORT TX_KB RX_KB MS
    const theirs = lines.map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 9 && (Number(f[3]) === serverPort || Number(f[5]) === serverPort))
      .map((f) => [f[1], Number(f[3]), Number(f[5]), f[6], f[7]].join(' ')).sort();
    const ours = r.spans
      .filter((s) => s.attributes['network.local.port'] === serverPort || s.attributes['network.peer.port'] === serverPort)
      .map((s) => [s.attributes['process.executable.name'], s.attributes['network.local.port'], s.attributes['network.peer.port'],
        kb(s.attributes['tcp.bytes.sent'] as number), kb(s.attributes['tcp.bytes.received'] as number)].join(' ')).sort();
    t.equal(theirs.length, 2 * K, 'tcplife saw both ends of K connections');
    t.same(ours, theirs, 'every connection: comm, local port, peer port, TX KB, RX KB');
  } finally {
    if (tcplife.exitCode === null) tcplife.kill('SIGINT');
    await exited;
  }
});
