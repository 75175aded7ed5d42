import t from 'tap';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { parse as parseYaml } from 'yaml';
import { compileSchema } from '../../../core/config/ajv';
import type { Batch, LogRecord, MetricRecord, Resource, Scope, SpanRecord } from '../../../core/signals';
import { debugExporterFactory } from '../../../exporters/debug';
import { DebugExporter } from '../../../exporters/debug/exporter';
import type { Verbosity } from '../../../exporters/debug/config';

const resource: Resource = { attributes: { 'host.name': 'h1' } };
const scope: Scope = { name: 'ebpf-pipeline/syscall', version: '0.1.0' };
const metrics: MetricRecord[] = [
  {
    resource, scope, name: 'syscall.calls', unit: '{call}', type: 'sum', monotonic: true, temporality: 'cumulative', valueType: 'int',
    attributes: { 'syscall.name': 'read', 'process.executable.name': 'nginx' }, startTime: [1714564800, 0], time: [1714564810, 0], value: 120,
  },
  { resource, scope, name: 'load', type: 'gauge', temporality: 'cumulative', attributes: {}, startTime: [0, 0], time: [1714564810, 500000000], value: 0.75 },
  {
    resource, scope, name: 'syscall.duration', unit: 's', type: 'histogram', temporality: 'cumulative', attributes: { 'syscall.name': 'read' },
    startTime: [1714564800, 0], time: [1714564810, 0],
    histogram: { bounds: [0.00001, 0.0001, 0.001, 0.01], counts: [50, 40, 20, 8, 2], sum: 0.125, count: 120, min: 0.000002, max: 0.05 },
  },
];
const logs: LogRecord[] = [
  { resource, scope, time: [1714564812, 0], severityNumber: 9, severityText: 'INFO', eventName: 'process.exec', body: 'exec /usr/bin/curl', attributes: { 'process.pid': 4242, argv: ['curl', '-s'] } },
  { resource, scope, time: [1714564812, 0], severityNumber: 18, body: { path: '/etc/passwd' }, attributes: {} },
  { resource, scope, time: [1714564812, 0], attributes: { nested: { a: 1, b: [true, null] } } },
];
const spans: SpanRecord[] = [
  {
    resource, scope, traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'tcp.connection', kind: 2,
    startTime: [1714564813, 0], endTime: [1714564813, 250000000], attributes: { 'network.peer.port': 5432 },
  },
  {
    resource, scope, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', parentSpanId: 'eee19b7ec3c1b174', name: 'syscall.slow', kind: 0,
    startTime: [1714564815, 0], endTime: [1714564815, 12500], attributes: {}, status: { code: 2, message: 'slow syscall' },
  },
  { resource, scope, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '53995c3f42cd8ad8', name: 'x', kind: 1, startTime: [10, 0], endTime: [12, 500], attributes: {}, status: { code: 1 } },
];

function capture(verbosity: Verbosity, id = 'debug'): { exporter: DebugExporter; text: () => string } {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { exporter: new DebugExporter({ verbosity }, { id }, out), text: () => chunks.join('') };
}

t.test('config: default verbosity and the README example', async (t) => {
  const validate = compileSchema(debugExporterFactory.schema);
  const empty: Record<string, unknown> = {};
  t.ok(validate(empty));
  t.strictSame(empty, { verbosity: 'basic' });
  t.notOk(validate({ verbosity: 'loud' }));
  const readme = readFileSync(path.join(__dirname, '../../../exporters/debug/README.md'), 'utf8');
  const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)![1];
  const config = parseYaml(yaml).exporters.debug;
  t.ok(validate(config));
  t.strictSame(config, { verbosity: 'normal' });
  t.strictSame([debugExporterFactory.type, debugExporterFactory.signals], ['debug', ['metrics', 'logs', 'traces']]);
});

t.test('basic: one line per batch with the component id', async (t) => {
  const { exporter, text } = capture('basic', 'debug/x');
  await exporter.start();
  t.strictSame(await exporter.export({ signal: 'metrics', records: metrics }), { ok: true });
  await exporter.export({ signal: 'logs', records: logs.slice(0, 1) });
  await exporter.export({ signal: 'traces', records: spans.slice(0, 2) });
  await exporter.export({ signal: 'traces', records: [] });
  await exporter.shutdown();
  t.equal(text(), 'debug/x metrics: 3 points\ndebug/x logs: 1 record\ndebug/x traces: 2 spans\ndebug/x traces: 0 spans\n');
});

t.test('normal: one line per record', async (t) => {
  const { exporter, text } = capture('normal');
  for (const batch of [
    { signal: 'metrics', records: metrics },
    { signal: 'logs', records: logs },
    { signal: 'traces', records: spans },
  ] as Batch[]) {
    t.strictSame(await exporter.export(batch), { ok: true });
  }
  t.equal(
    text(),
    [
      'debug syscall.calls{syscall.name=read,process.executable.name=nginx} 120',
      'debug load 0.75',
      'debug syscall.duration{syscall.name=read} count=120 sum=0.125 min=0.000002 max=0.05 buckets=[50,40,20,8,2] bounds=[0.00001,0.0001,0.001,0.01]',
      'debug INFO process.exec{process.pid=4242,argv=[curl,-s]} exec /usr/bin/curl',
      'debug ERROR2 {path=/etc/passwd}',
      'debug UNSPECIFIED {nested={a=1,b=[true,null]}}',
      'debug tcp.connection{network.peer.port=5432} kind=client duration=250ms trace=5b8efff798038103d269b633813fc60c span=eee19b7ec3c1b174',
      'debug syscall.slow kind=internal duration=12.5µs status=error: slow syscall trace=4bf92f3577b34da6a3ce929d0e0e4736 span=00f067aa0ba902b7 parent=eee19b7ec3c1b174',
      'debug x kind=server duration=2.0000005s status=ok trace=4bf92f3577b34da6a3ce929d0e0e4736 span=53995c3f42cd8ad8',
      '',
    ].join('\n'),
  );
});

t.test('detailed: every field, Collector layout', async (t) => {
  const { exporter, text } = capture('detailed');
  await exporter.export({ signal: 'metrics', records: metrics.slice(0, 1) });
  t.equal(
    text(),
    [
      'debug metrics: 1 point',
      'ResourceMetrics #0',
      'Resource SchemaURL: ',
      'Resource attributes:',
      '     -> host.name: Str(h1)',
      'ScopeMetrics #0',
      'ScopeMetrics SchemaURL: ',
      'InstrumentationScope ebpf-pipeline/syscall 0.1.0',
      'Metric #0',
      'Descriptor:',
      '     -> Name: syscall.calls',
      '     -> Description: ',
      '     -> Unit: {call}',
      '     -> DataType: Sum',
      '     -> IsMonotonic: true',
      '     -> AggregationTemporality: Cumulative',
      'NumberDataPoints #0',
      'Data point attributes:',
      '     -> syscall.name: Str(read)',
      '     -> process.executable.name: Str(nginx)',
      'StartTimestamp: 2024-05-01 12:00:00 +0000 UTC',
      'Timestamp: 2024-05-01 12:00:10 +0000 UTC',
      'Value: 120',
      '',
    ].join('\n'),
  );
  const h = capture('detailed');
  await h.exporter.export({ signal: 'metrics', records: metrics.slice(2) });
  t.match(h.text(), 'Timestamp: 2024-05-01 12:00:10 +0000 UTC\nCount: 120\nSum: 0.125\nMin: 0.000002\nMax: 0.05\nExplicitBounds #0: 0.00001\nExplicitBounds #1: 0.0001\nExplicitBounds #2: 0.001\nExplicitBounds #3: 0.01\nBuckets #0, Count: 50\n');
  const l = capture('detailed');
  await l.exporter.export({ signal: 'logs', records: logs.slice(0, 1) });
  t.match(l.text(), 'LogRecord #0\nObservedTimestamp: 1970-01-01 00:00:00 +0000 UTC\nTimestamp: 2024-05-01 12:00:12 +0000 UTC\nSeverityText: INFO\nSeverityNumber: Info(9)\nEventName: process.exec\nBody: Str(exec /usr/bin/curl)\nAttributes:\n     -> process.pid: Int(4242)\n     -> argv: Slice(["curl","-s"])\n');
  const s = capture('detailed');
  await s.exporter.export({ signal: 'traces', records: spans.slice(1, 2) });
  t.match(s.text(), '    Parent ID      : eee19b7ec3c1b174\n    ID             : 00f067aa0ba902b7\n    Name           : syscall.slow\n    Kind           : Internal\n    Start time     : 2024-05-01 12:00:15 +0000 UTC\n    End time       : 2024-05-01 12:00:15.0000125 +0000 UTC\n    Status code    : Error\n    Status message : slow syscall\n');
});

t.test('a failing stream is a non-retryable error', async (t) => {
  const out = new Writable({ write: (_c, _e, cb) => cb(new Error('EPIPE')) });
  out.on('error', () => undefined);
  const exporter = new DebugExporter({ verbosity: 'basic' }, { id: 'debug' }, out);
  t.match(await exporter.export({ signal: 'logs', records: logs }), { ok: false, retryable: false, error: { message: 'EPIPE' } });
});
