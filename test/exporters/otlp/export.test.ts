import t from 'tap';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { status } from '@grpc/grpc-js';
import { compileSchema } from '../../../core/config/ajv';
import type { LogRecord, MetricRecord, Resource, Scope, SpanRecord } from '../../../core/signals';
import { otlpExporterFactory } from '../../../exporters/otlp';
import type { OtlpConfig } from '../../../exporters/otlp/config';
import { OtlpTestServer } from '../../support/otlp-server';
import { testContext } from '../otel/create-context';

const resource: Resource = { attributes: { 'host.name': 'h1', 'service.name': 'ebpf-pipeline' } };
const scope: Scope = { name: 'ebpf-pipeline/receiver/syscall', version: '0.1.0' };

function makeExporter(config: Record<string, unknown>) {
  const validate = compileSchema(otlpExporterFactory.schema);
  if (!validate(config)) throw new Error(JSON.stringify(validate.errors));
  const ctx = testContext('otlp/test');
  return { exporter: otlpExporterFactory.create(config as OtlpConfig, ctx), ctx };
}

const metricRecords: MetricRecord[] = [
  {
    resource, scope, name: 'syscall.calls', description: 'calls', unit: '{call}', type: 'sum', monotonic: true, temporality: 'delta',
    valueType: 'int', attributes: { 'syscall.name': 'read' }, startTime: [1700000000, 1], time: [1700000010, 999999999], value: 42,
  },
  {
    resource, scope, name: 'cpu.load', type: 'gauge', temporality: 'cumulative', valueType: 'double',
    attributes: { cpu: 3 }, startTime: [1700000000, 0], time: [1700000010, 5], value: 0.25,
  },
  {
    resource, scope, name: 'io.latency', unit: 's', type: 'histogram', temporality: 'cumulative',
    attributes: { op: 'read' }, startTime: [1700000000, 0], time: [1700000010, 7],
    histogram: { bounds: [0.001, 0.01], counts: [1, 2, 3], sum: 0.5, count: 6, min: 0.0005, max: 0.2 },
  },
];

t.test('metrics, logs and spans arrive at an OTLP gRPC server with exact values', async (t) => {
  const server = await OtlpTestServer.start();
  t.teardown(() => server.close());
  const { exporter } = makeExporter({ endpoint: server.address, tls: { insecure: true }, headers: { 'X-Token': 'abc' } });
  await exporter.start();
  t.teardown(() => exporter.shutdown());

  t.strictSame(await exporter.export({ signal: 'metrics', records: metricRecords }), { ok: true, dropped: { invalid_record: 0 } });
  const [m] = server.bodies('metrics');
  t.equal(server.requests[0].metadata['x-token'], 'abc');
  t.match(server.requests[0].metadata['user-agent'], /^ebpf-pipeline\/\d+\.\d+\.\d+ /);
  t.strictSame(m.resourceMetrics[0].resource.attributes, [
    { key: 'host.name', value: { stringValue: 'h1' } },
    { key: 'service.name', value: { stringValue: 'ebpf-pipeline' } },
  ]);
  t.strictSame(m.resourceMetrics[0].scopeMetrics[0].scope, { name: 'ebpf-pipeline/receiver/syscall', version: '0.1.0' });
  t.strictSame(m.resourceMetrics[0].scopeMetrics[0].metrics, [
    {
      name: 'syscall.calls', description: 'calls', unit: '{call}',
      sum: {
        aggregationTemporality: 1, isMonotonic: true,
        dataPoints: [{
          attributes: [{ key: 'syscall.name', value: { stringValue: 'read' } }],
          startTimeUnixNano: '1700000000000000001', timeUnixNano: '1700000010999999999', asInt: '42',
        }],
      },
    },
    {
      name: 'cpu.load',
      gauge: { dataPoints: [{ attributes: [{ key: 'cpu', value: { intValue: '3' } }], startTimeUnixNano: '1700000000000000000', timeUnixNano: '1700000010000000005', asDouble: 0.25 }] },
    },
    {
      name: 'io.latency', unit: 's',
      histogram: {
        aggregationTemporality: 2,
        dataPoints: [{
          attributes: [{ key: 'op', value: { stringValue: 'read' } }],
          startTimeUnixNano: '1700000000000000000', timeUnixNano: '1700000010000000007',
          count: '6', sum: 0.5, bucketCounts: ['1', '2', '3'], explicitBounds: [0.001, 0.01], min: 0.0005, max: 0.2,
        }],
      },
    },
  ]);

  const logs: LogRecord[] = [{
    resource, scope, time: [1700000000, 123456789], observedTime: [1700000001, 1], severityNumber: 17, severityText: 'ERROR',
    body: 'denied', attributes: { 'process.pid': 7 }, eventName: 'security.alert',
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331',
  }];
  t.strictSame(await exporter.export({ signal: 'logs', records: logs }), { ok: true });
  const [l] = server.bodies('logs');
  t.strictSame(l.resourceLogs[0].scopeLogs[0].logRecords, [{
    timeUnixNano: '1700000000123456789', observedTimeUnixNano: '1700000001000000001', severityNumber: 17, severityText: 'ERROR',
    body: { stringValue: 'denied' }, attributes: [{ key: 'process.pid', value: { intValue: '7' } }], droppedAttributesCount: 0,
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331',
  }]);
  // event_name (LogRecord field 12) is newer than the 0.57 definitions: look for its bytes (tag 0x62, length 14).
  t.ok(server.requests[1].raw.includes(Buffer.concat([Buffer.from([0x62, 14]), Buffer.from('security.alert')])), 'event_name on the wire');

  const spans: SpanRecord[] = [{
    resource, scope, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', parentSpanId: '00f067aa0ba902b7',
    name: 'tcp.connection', kind: 2, startTime: [1700000000, 1], endTime: [1700000002, 2], attributes: { 'network.peer.port': 443 },
    status: { code: 2, message: 'reset' }, events: [{ name: 'retransmit', time: [1700000001, 3], attributes: { seq: 9 } }],
  }];
  t.strictSame(await exporter.export({ signal: 'traces', records: spans }), { ok: true });
  const [s] = server.bodies('traces');
  t.strictSame(s.resourceSpans[0].scopeSpans[0].scope, { name: 'ebpf-pipeline/receiver/syscall', version: '0.1.0' });
  t.strictSame(s.resourceSpans[0].scopeSpans[0].spans, [{
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', parentSpanId: '00f067aa0ba902b7',
    name: 'tcp.connection', kind: 3, startTimeUnixNano: '1700000000000000001', endTimeUnixNano: '1700000002000000002',
    attributes: [{ key: 'network.peer.port', value: { intValue: '443' } }], droppedAttributesCount: 0,
    events: [{ timeUnixNano: '1700000001000000003', name: 'retransmit', attributes: [{ key: 'seq', value: { intValue: '9' } }], droppedAttributesCount: 0 }],
    droppedEventsCount: 0, droppedLinksCount: 0, status: { message: 'reset', code: 2 },
  }]);
  // Span.flags (field 16, fixed32) is newer than the 0.57 definitions: sampled | context-has-is-remote = 0x101.
  t.ok(server.requests[2].raw.includes(Buffer.from([0x85, 0x01, 0x01, 0x01, 0x00, 0x00])), 'flags on the wire');
  t.equal(server.requests.length, 3);
});

t.test('uncompressed, http:// scheme and two resources (two requests)', async (t) => {
  const server = await OtlpTestServer.start();
  t.teardown(() => server.close());
  const { exporter } = makeExporter({ endpoint: `http://${server.address}`, compression: 'none' });
  await exporter.start();
  t.teardown(() => exporter.shutdown());
  const other: Resource = { attributes: { 'host.name': 'h2' } };
  const records = [metricRecords[0], { ...metricRecords[1], resource: other }];
  t.strictSame(await exporter.export({ signal: 'metrics', records }), { ok: true, dropped: { invalid_record: 0 } });
  const bodies = server.bodies('metrics');
  t.equal(bodies.length, 2);
  t.strictSame(bodies.map((b) => b.resourceMetrics[0].resource.attributes[0].value.stringValue), ['h1', 'h2']);
  t.strictSame(bodies.map((b) => b.resourceMetrics[0].scopeMetrics[0].metrics[0].name), ['syscall.calls', 'cpu.load']);
});

t.test('a down server: retryable within the timeout; back up on the same port: delivered', async (t) => {
  const server = await OtlpTestServer.start();
  t.teardown(() => server.close());
  const { exporter } = makeExporter({ endpoint: server.address, tls: { insecure: true }, timeout: '2s' });
  await exporter.start();
  t.teardown(() => exporter.shutdown());
  await server.stop();
  const started = Date.now();
  const result = await exporter.export({ signal: 'metrics', records: [metricRecords[0]] });
  const elapsed = Date.now() - started;
  t.equal(result.ok, false);
  if (!result.ok) {
    t.equal(result.retryable, true);
    t.match(result.error.message, /^otlp\/test: metrics export to 127\.0\.0\.1:\d+ failed: 14 UNAVAILABLE/);
  }
  t.ok(elapsed < 2000, `returned in ${elapsed} ms`);
  await server.restart();
  // gRPC reconnects with its own backoff; the engine's retries play that part here.
  let ok = false;
  for (let i = 0; i < 40 && !ok; i++) {
    ok = (await exporter.export({ signal: 'metrics', records: [metricRecords[0]] })).ok;
    if (!ok) await new Promise((r) => setTimeout(r, 250));
  }
  t.equal(ok, true);
  t.equal(server.bodies('metrics').length, 1);
});

t.test('a server that never answers: DEADLINE_EXCEEDED, retryable, after the timeout', async (t) => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => { sockets.forEach((s) => s.destroy()); silent.close(); });
  const port = (silent.address() as AddressInfo).port;
  const { exporter } = makeExporter({ endpoint: `127.0.0.1:${port}`, tls: { insecure: true }, timeout: '400ms' });
  await exporter.start();
  t.teardown(() => exporter.shutdown());
  const started = Date.now();
  const result = await exporter.export({ signal: 'logs', records: [{ resource, scope, time: [1, 0], attributes: {} }] });
  const elapsed = Date.now() - started;
  t.equal(result.ok, false);
  if (!result.ok) {
    t.equal(result.retryable, true);
    t.match(result.error.message, /4 DEADLINE_EXCEEDED/);
  }
  t.ok(elapsed >= 380 && elapsed < 1400, `returned in ${elapsed} ms`);
});

t.test('status codes: INVALID_ARGUMENT is permanent, RESOURCE_EXHAUSTED transient', async (t) => {
  const server = await OtlpTestServer.start();
  t.teardown(() => server.close());
  const { exporter } = makeExporter({ endpoint: server.address, tls: { insecure: true } });
  await exporter.start();
  t.teardown(() => exporter.shutdown());
  const batch = { signal: 'traces' as const, records: [] as SpanRecord[] };
  t.strictSame(await exporter.export(batch), { ok: true }, 'empty batch: nothing sent');
  const span: SpanRecord = {
    resource, scope, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 's', kind: 0,
    startTime: [1, 0], endTime: [2, 0], attributes: {},
  };
  server.failWith = status.INVALID_ARGUMENT;
  const bad = await exporter.export({ signal: 'traces', records: [span] });
  t.equal(bad.ok, false);
  if (!bad.ok) {
    t.equal(bad.retryable, false);
    t.equal((bad.error as Error & { code?: number }).code, status.INVALID_ARGUMENT);
  }
  server.failWith = status.RESOURCE_EXHAUSTED;
  const busy = await exporter.export({ signal: 'traces', records: [span] });
  t.equal(busy.ok === false && busy.retryable, true);
  t.equal(server.requests.length, 0);
});

t.test('config problems: bad endpoint, unreadable TLS file, export after shutdown', async (t) => {
  t.strictSame(otlpExporterFactory.validate?.({ endpoint: 'nohost' } as OtlpConfig), [
    { path: '/endpoint', message: '"nohost" is not host:port, http://host:port or https://host:port (port 1-65535)' },
  ]);
  t.strictSame(otlpExporterFactory.validate?.({ endpoint: 'https://collector:4317/', tls: { cert_file: 'c.pem' } } as OtlpConfig), [
    { path: '/tls/key_file', message: 'cert_file and key_file go together' },
  ]);
  const { exporter } = makeExporter({ endpoint: 'collector:4317', tls: { ca_file: '/nonexistent/ca.pem' } });
  await t.rejects(exporter.start(), { message: 'otlp/test: cannot read tls.ca_file "/nonexistent/ca.pem": ENOENT' });
  await exporter.shutdown();
  await exporter.shutdown();
  const after = await exporter.export({ signal: 'logs', records: [] });
  t.strictSame(after.ok === false && [after.retryable, after.error.message], [false, 'otlp/test: export after shutdown']);
});

t.test('compression: gzip (default) shrinks a repetitive request, none does not', async (t) => {
  const server = await OtlpTestServer.start();
  t.teardown(() => server.close());
  // A TCP proxy that counts the bytes the client sends.
  let sent = 0;
  const conns: Socket[] = [];
  const proxy = createServer((client) => {
    const upstream = connect(server.port, '127.0.0.1');
    conns.push(client, upstream);
    client.on('data', (d: Buffer) => { sent += d.length; });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => { conns.forEach((c) => c.destroy()); proxy.close(); });
  const port = (proxy.address() as AddressInfo).port;
  const records: LogRecord[] = Array.from({ length: 2000 }, () => ({ resource, scope, time: [1700000000, 0], body: 'the same line again', attributes: { 'process.pid': 7 } }));
  const sizes: Record<string, number> = {};
  for (const compression of ['gzip', 'none']) {
    const { exporter } = makeExporter({ endpoint: `127.0.0.1:${port}`, tls: { insecure: true }, ...(compression === 'none' ? { compression } : {}) });
    sent = 0;
    t.strictSame(await exporter.export({ signal: 'logs', records }), { ok: true });
    sizes[compression] = sent;
    await exporter.shutdown();
  }
  t.equal(server.bodies('logs').length, 2);
  t.equal(server.bodies('logs')[0].resourceLogs[0].scopeLogs[0].logRecords.length, 2000);
  t.ok(sizes.none > 100_000, `uncompressed: ${sizes.none} bytes`);
  t.ok(sizes.gzip < sizes.none / 10, `gzip: ${sizes.gzip} bytes`);
});
