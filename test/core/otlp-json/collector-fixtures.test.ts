import t from 'tap';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { decodeRequestLine, encodeRequest, type UnsupportedMetric } from '../../../core/otlp-json';
import type { LogRecord, MetricRecord, SpanRecord } from '../../../core/signals';

const fixtures = path.join(__dirname, '..', '..', 'fixtures');
function lines(name: string): unknown[] {
  return readFileSync(path.join(fixtures, name), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

t.test('Collector file-exporter metrics: gauge, sum, histogram read; exponential histogram and summary skipped and reported', async (t) => {
  const [line1, line2] = lines('collector-metrics.jsonl');
  const skipped: UnsupportedMetric[] = [];
  const batches = decodeRequestLine(line1, { onUnsupported: (s) => skipped.push(s) });
  t.equal(batches.length, 1);
  const records = batches[0].records as MetricRecord[];
  t.strictSame(
    records.map((r) => [r.name, r.type, r.temporality, r.monotonic, r.valueType, r.value, r.unit, r.attributes]),
    [
      ['system.cpu.time', 'sum', 'cumulative', true, 'double', 1234.56, 's', { cpu: 'cpu0', state: 'user' }],
      ['system.cpu.time', 'sum', 'cumulative', true, 'double', 98765.4, 's', { cpu: 'cpu0', state: 'idle' }],
      ['system.cpu.logical.count', 'gauge', 'cumulative', undefined, 'int', 8, '{cpu}', {}],
      ['rpc.server.duration', 'histogram', 'cumulative', undefined, undefined, undefined, 'ms', { 'rpc.method': 'Export' }],
    ],
  );
  t.strictSame(records[0].resource, { attributes: { 'service.name': 'otelcol-contrib', 'host.name': 'node-1' }, schemaUrl: 'https://opentelemetry.io/schemas/1.9.0' });
  t.strictSame(records[0].scope, { name: 'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/internal/scraper/cpuscraper', version: '0.98.0' });
  t.equal(records[0].description, 'Total seconds each logical CPU spent on each mode.');
  t.strictSame([records[0].startTime, records[0].time], [[1714564700, 0], [1714564810, 123456789]]);
  t.strictSame(records[2].startTime, [0, 0]);
  t.strictSame(records[3].histogram, { bounds: [5, 10, 50], counts: [1, 3, 2, 0], sum: 73.5, count: 6, min: 2.5, max: 42 });
  t.strictSame(skipped, [{ metric: 'rpc.server.request.size', kind: 'exponentialHistogram', points: 2 }]);

  skipped.length = 0;
  const [batch2] = decodeRequestLine(line2, { onUnsupported: (s) => skipped.push(s) });
  const r2 = batch2.records as MetricRecord[];
  t.strictSame(skipped, [{ metric: 'jvm.gc.duration.summary', kind: 'summary', points: 1 }]);
  t.strictSame(
    r2.map((r) => [r.name, r.type, r.temporality, r.monotonic, r.valueType, r.value, r.attributes]),
    [['http.server.active_requests', 'sum', 'delta', false, 'int', -3, { 'http.request.method': 'GET', 'server.port': 8080 }]],
  );
  // Re-encoding keeps what the project carries (exemplars, flags, dropped counts are not kept).
  const again = encodeRequest(batch2);
  t.strictSame(again, {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }, { key: 'service.instance.id', value: { stringValue: '627cc493-f310-47de-96bd-71410b7dec09' } }] },
        scopeMetrics: [
          {
            scope: { name: 'io.opentelemetry.runtime-telemetry-java17', version: '2.3.0-alpha' },
            metrics: [
              {
                name: 'http.server.active_requests',
                unit: '{request}',
                sum: {
                  dataPoints: [
                    {
                      attributes: [{ key: 'http.request.method', value: { stringValue: 'GET' } }, { key: 'server.port', value: { intValue: '8080' } }],
                      startTimeUnixNano: '1714564700000000000',
                      timeUnixNano: '1714564820000000000',
                      asInt: '-3',
                    },
                  ],
                  aggregationTemporality: 1,
                },
              },
            ],
          },
        ],
      },
    ],
  });
});

t.test('Collector file-exporter logs and traces', async (t) => {
  const [logsLine, spansLine] = lines('collector-logs-traces.jsonl');
  const logs = decodeRequestLine(logsLine)[0].records as LogRecord[];
  t.strictSame(logs[0], {
    resource: { attributes: { 'service.name': 'otelcol-contrib' } },
    scope: { name: '' },
    time: [1714564811, 1],
    observedTime: [1714564811, 500000000],
    severityNumber: 13,
    severityText: 'WARN',
    body: 'disk almost full',
    attributes: { 'log.file.name': 'syslog', blob: 'aGk=' },
  });
  t.strictSame(logs[1], {
    resource: logs[0].resource,
    scope: logs[0].scope,
    time: [0, 0],
    observedTime: [1714564812, 0],
    body: { msg: 'ok' },
    attributes: {},
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
  });
  const spans = decodeRequestLine(spansLine)[0].records as SpanRecord[];
  t.strictSame(spans[0], {
    resource: { attributes: { 'service.name': 'frontend' } },
    scope: { name: 'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp', version: '0.49.0' },
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    name: 'GET /',
    kind: 1,
    startTime: [1714564813, 0],
    endTime: [1714564813, 12345678],
    attributes: { 'http.response.status_code': 200 },
    // `"status": {}` (unset, no message) is the proto default: read as no status.
    events: [{ name: 'message', time: [1714564813, 100000], attributes: { 'message.type': 'RECEIVED' } }],
  });
  t.strictSame([spans[1].parentSpanId, spans[1].kind, spans[1].status], ['eee19b7ec3c1b174', 2, { code: 2, message: 'timeout' }]);
});
