import t from 'tap';
import { decodeRequestLine, encodeRequest, hrTimeToNanos, nanosToHrTime } from '../../../core/otlp-json';
import type { LogRecord, Resource, Scope, SpanRecord } from '../../../core/signals';

const resource: Resource = { attributes: { 'service.name': 'ebpf-pipeline', 'host.name': 'h1' }, schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' };
const resource2: Resource = { attributes: { 'host.name': 'h2' } };
const scope: Scope = { name: 'ebpf-pipeline/security', version: '0.1.0', attributes: { 'scope.attr': true } };

t.test('HrTime <-> decimal nanoseconds is exact', async (t) => {
  t.equal(hrTimeToNanos([1714564800, 123456789]), '1714564800123456789');
  t.strictSame(nanosToHrTime('1714564800123456789'), [1714564800, 123456789]);
  t.strictSame(nanosToHrTime('18446744073709551615'), [18446744073, 709551615]);
  t.equal(hrTimeToNanos([18446744073, 709551615]), '18446744073709551615');
  t.strictSame(nanosToHrTime(1500000000), [1, 500000000]);
  t.equal(hrTimeToNanos([0, 0]), '0');
});

t.test('logs round trip exactly', async (t) => {
  const records: LogRecord[] = [
    {
      resource, scope, time: [1714564812, 5], observedTime: [1714564812, 999], severityNumber: 9, severityText: 'INFO',
      body: 'exec /usr/bin/curl', attributes: { 'process.pid': 4242, argv: ['curl', '-s'] }, eventName: 'process.exec',
    },
    {
      resource, scope, time: [1714564813, 0], severityNumber: 17, body: { path: '/etc/passwd', bytes: 12 }, attributes: {},
      traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174',
    },
    { resource: resource2, scope, time: [0, 0], attributes: { x: 1.25 } },
  ];
  const json = encodeRequest({ signal: 'logs', records });
  t.strictSame(json, {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ebpf-pipeline' } }, { key: 'host.name', value: { stringValue: 'h1' } }] },
        scopeLogs: [
          {
            scope: { name: 'ebpf-pipeline/security', version: '0.1.0', attributes: [{ key: 'scope.attr', value: { boolValue: true } }] },
            logRecords: [
              {
                timeUnixNano: '1714564812000000005',
                observedTimeUnixNano: '1714564812000000999',
                severityNumber: 9,
                severityText: 'INFO',
                body: { stringValue: 'exec /usr/bin/curl' },
                attributes: [
                  { key: 'process.pid', value: { intValue: '4242' } },
                  { key: 'argv', value: { arrayValue: { values: [{ stringValue: 'curl' }, { stringValue: '-s' }] } } },
                ],
                eventName: 'process.exec',
              },
              {
                timeUnixNano: '1714564813000000000',
                severityNumber: 17,
                body: { kvlistValue: { values: [{ key: 'path', value: { stringValue: '/etc/passwd' } }, { key: 'bytes', value: { intValue: '12' } }] } },
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId: 'eee19b7ec3c1b174',
              },
            ],
          },
        ],
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      },
      {
        resource: { attributes: [{ key: 'host.name', value: { stringValue: 'h2' } }] },
        scopeLogs: [{ scope: { name: 'ebpf-pipeline/security', version: '0.1.0', attributes: [{ key: 'scope.attr', value: { boolValue: true } }] }, logRecords: [{ attributes: [{ key: 'x', value: { doubleValue: 1.25 } }] }] }],
      },
    ],
  });
  const line = JSON.stringify(json);
  const batches = decodeRequestLine(JSON.parse(line));
  t.equal(batches.length, 1);
  const back = batches[0].records as LogRecord[];
  t.strictSame(back, records);
  t.equal(back[0].resource, back[1].resource);
  t.not(back[2].scope, back[0].scope); // one Scope object per scopeLogs entry
  t.equal(JSON.stringify(encodeRequest(batches[0])), line);
});

t.test('traces round trip exactly, kinds shifted by one', async (t) => {
  const records: SpanRecord[] = [
    {
      resource, scope, traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'tcp.connection', kind: 2,
      startTime: [1714564813, 0], endTime: [1714564813, 250000000],
      attributes: { 'network.peer.address': '10.0.0.5', 'network.peer.port': 5432 },
    },
    {
      resource, scope, traceId: '5b8efff798038103d269b633813fc60c', spanId: '00f067aa0ba902b7', parentSpanId: 'eee19b7ec3c1b174', name: 'syscall.slow', kind: 0,
      startTime: [1714564815, 1], endTime: [1714564815, 120000001], attributes: {},
      status: { code: 2, message: 'slow syscall' },
      events: [{ name: 'retry', time: [1714564815, 5000], attributes: { attempt: 2 } }, { name: 'done', time: [1714564815, 6000] }],
    },
    { resource, scope, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '53995c3f42cd8ad8', name: 'consumer', kind: 4, startTime: [1, 0], endTime: [2, 0], attributes: {} },
  ];
  const json = encodeRequest({ signal: 'traces', records });
  const spans = (json as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }).resourceSpans[0].scopeSpans[0].spans;
  t.strictSame(spans, [
    {
      traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'tcp.connection', kind: 3,
      startTimeUnixNano: '1714564813000000000', endTimeUnixNano: '1714564813250000000',
      attributes: [{ key: 'network.peer.address', value: { stringValue: '10.0.0.5' } }, { key: 'network.peer.port', value: { intValue: '5432' } }],
    },
    {
      traceId: '5b8efff798038103d269b633813fc60c', spanId: '00f067aa0ba902b7', parentSpanId: 'eee19b7ec3c1b174', name: 'syscall.slow', kind: 1,
      startTimeUnixNano: '1714564815000000001', endTimeUnixNano: '1714564815120000001',
      events: [
        { name: 'retry', timeUnixNano: '1714564815000005000', attributes: [{ key: 'attempt', value: { intValue: '2' } }] },
        { name: 'done', timeUnixNano: '1714564815000006000' },
      ],
      status: { message: 'slow syscall', code: 2 },
    },
    { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '53995c3f42cd8ad8', name: 'consumer', kind: 5, startTimeUnixNano: '1000000000', endTimeUnixNano: '2000000000' },
  ]);
  const line = JSON.stringify(json);
  const back = decodeRequestLine(JSON.parse(line))[0];
  t.strictSame(back.records, records);
  t.equal(JSON.stringify(encodeRequest(back)), line);
});

t.test('ids: upper-case hex and base64 are read as lower-case hex; enum names accepted', async (t) => {
  const [batch] = decodeRequestLine({
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'W47/95gDgQPSabYzgT/GDA==', spanId: 'EEE19B7EC3C1B174', name: 'n', kind: 'SPAN_KIND_SERVER', status: { code: 'STATUS_CODE_ERROR' } }] }] }],
  });
  const span = batch.records[0] as SpanRecord;
  t.strictSame([span.traceId, span.spanId, span.kind, span.status], ['5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174', 1, { code: 2 }]);
  t.throws(() => decodeRequestLine({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz', spanId: '00', name: 'n' }] }] }] }), {
    message: 'resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 32 hex characters',
  });
});

t.test('a line with several signals yields one batch per signal; empty ones are left out', async (t) => {
  const batches = decodeRequestLine({
    resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }],
    resourceSpans: [],
    resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: [{ asDouble: 1 }] } }] }] }],
  });
  t.strictSame(batches.map((b) => [b.signal, b.records.length]), [['metrics', 1], ['logs', 1]]);
});
