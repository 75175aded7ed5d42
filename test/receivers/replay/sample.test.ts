// The recording the end-to-end tests replay: test/fixtures/replay/sample.jsonl.
// These records are its exact content; the file is their encoding, byte for byte.
import t from 'tap';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { decodeRequestLine, encodeRequest } from '../../../core/otlp-json';
import type { LogRecord, MetricRecord, Resource, Scope, SpanRecord, HrTime } from '../../../core/signals';

const resource: Resource = { attributes: { 'service.name': 'ebpf-pipeline', 'host.name': 'sample-host' } };
const syscall: Scope = { name: 'ebpf-pipeline/syscall', version: '0.1.0' };
const security: Scope = { name: 'ebpf-pipeline/security', version: '0.1.0' };
const tcp: Scope = { name: 'ebpf-pipeline/tcp', version: '0.1.0' };
const START: HrTime = [1714564800, 0];
const BOUNDS = [0.00001, 0.0001, 0.001, 0.01];

function metrics(t: HrTime, calls: [string, string, number][], hist: { counts: number[]; count: number; sum: number; min: number; max: number }): MetricRecord[] {
  const out: MetricRecord[] = calls.map(([sys, exe, v]) => ({
    resource, scope: syscall, name: 'syscall.calls', description: 'Syscalls completed', unit: '{call}', type: 'sum', monotonic: true,
    temporality: 'cumulative', valueType: 'int', attributes: { 'syscall.name': sys, 'process.executable.name': exe }, startTime: START, time: t, value: v,
  }));
  out.push({
    resource, scope: syscall, name: 'syscall.duration', description: 'Syscall latency', unit: 's', type: 'histogram', temporality: 'cumulative',
    attributes: { 'syscall.name': 'read', 'process.executable.name': 'nginx' }, startTime: START, time: t,
    histogram: { bounds: BOUNDS, ...hist },
  });
  return out;
}

const line1 = metrics([1714564810, 0], [['read', 'nginx', 120], ['write', 'nginx', 45], ['read', 'postgres', 300]], { counts: [50, 40, 20, 8, 2], count: 120, sum: 0.125, min: 0.000002, max: 0.05 });
const logs: LogRecord[] = [
  {
    resource, scope: security, time: [1714564812, 0], observedTime: [1714564812, 1000], severityNumber: 9, severityText: 'INFO', eventName: 'process.exec',
    body: 'exec /usr/bin/curl', attributes: { 'process.pid': 4242, 'process.executable.name': 'curl', 'process.command_line': 'curl -s http://example.com' },
  },
  {
    resource, scope: security, time: [1714564812, 500000000], observedTime: [1714564812, 500001000], severityNumber: 17, severityText: 'ERROR', eventName: 'security.alert',
    body: 'write to /etc/passwd by nginx', attributes: { 'process.pid': 1234, 'process.executable.name': 'nginx', 'file.path': '/etc/passwd', 'security.rule': 'sensitive_file_write' },
  },
];
const spans: SpanRecord[] = [
  {
    resource, scope: tcp, traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'tcp.connection', kind: 2,
    startTime: [1714564813, 0], endTime: [1714564813, 250000000],
    attributes: { 'network.peer.address': '10.0.0.5', 'network.peer.port': 5432, 'network.transport': 'tcp', 'process.executable.name': 'nginx', 'network.io.sent': 1024, 'network.io.received': 4096 },
  },
  {
    resource, scope: syscall, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', name: 'syscall.slow', kind: 0,
    startTime: [1714564815, 0], endTime: [1714564815, 120000000],
    attributes: { 'syscall.name': 'fsync', 'process.executable.name': 'postgres', 'process.pid': 777 }, status: { code: 2, message: 'slow syscall: 120ms' },
  },
];
const line4 = metrics([1714564820, 0], [['read', 'nginx', 250], ['write', 'nginx', 90], ['read', 'postgres', 610]], { counts: [100, 85, 45, 16, 4], count: 250, sum: 0.26, min: 0.000002, max: 0.05 });

t.test('sample.jsonl is exactly these four requests', async (t) => {
  const expected = [
    encodeRequest({ signal: 'metrics', records: line1 }),
    encodeRequest({ signal: 'logs', records: logs }),
    encodeRequest({ signal: 'traces', records: spans }),
    encodeRequest({ signal: 'metrics', records: line4 }),
  ].map((r) => JSON.stringify(r));
  const file = readFileSync(path.join(__dirname, '../../fixtures/replay/sample.jsonl'), 'utf8');
  t.equal(file, expected.join('\n') + '\n');
});

t.test('decoding sample.jsonl gives back these records', async (t) => {
  const lines = readFileSync(path.join(__dirname, '../../fixtures/replay/sample.jsonl'), 'utf8').trim().split('\n');
  const decoded = lines.map((l) => decodeRequestLine(JSON.parse(l)));
  t.strictSame(decoded.map((bs) => bs.map((b) => b.signal)), [['metrics'], ['logs'], ['traces'], ['metrics']]);
  t.strictSame(decoded[0][0].records, line1);
  t.strictSame(decoded[1][0].records, logs);
  // Spans of two scopes come back grouped by scope: same order here.
  t.strictSame(decoded[2][0].records, spans);
  t.strictSame(decoded[3][0].records, line4);
});
