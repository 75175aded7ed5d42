import t from 'tap';
import { decodeRequestLine, encodeRequest } from '../../../core/otlp-json';
import type { MetricRecord, Resource, Scope } from '../../../core/signals';

// A request in the exact form this project writes (canonical: empty fields left out).
const request = {
  resourceMetrics: [
    {
      resource: { attributes: [{ key: 'host.name', value: { stringValue: 'a' } }] },
      scopeMetrics: [
        {
          scope: { name: 'ebpf-pipeline/syscall', version: '0.1.0' },
          metrics: [
            {
              name: 'syscall.calls',
              description: 'Syscalls completed',
              unit: '{call}',
              sum: {
                dataPoints: [
                  {
                    attributes: [
                      { key: 'syscall.name', value: { stringValue: 'read' } },
                      { key: 'big', value: { intValue: '9007199254740993' } },
                      { key: 'ratio', value: { doubleValue: 0.5 } },
                      { key: 'ok', value: { boolValue: true } },
                      { key: 'list', value: { arrayValue: { values: [{ intValue: '1' }, { stringValue: 'x' }] } } },
                      { key: 'nested', value: { kvlistValue: { values: [{ key: 'k', value: { kvlistValue: { values: [{ key: 'deep', value: { doubleValue: 2.25 } }] } } }] } } },
                      { key: 'nothing', value: {} },
                    ],
                    startTimeUnixNano: '1714564800000000001',
                    timeUnixNano: '1714564810999999999',
                    asInt: '120',
                  },
                  { startTimeUnixNano: '1714564800000000001', timeUnixNano: '1714564810999999999', asInt: '0' },
                ],
                aggregationTemporality: 2,
                isMonotonic: true,
              },
            },
            {
              name: 'syscall.rate',
              unit: '1',
              gauge: { dataPoints: [{ timeUnixNano: '1714564810000000000', asDouble: 1.5 }, { timeUnixNano: '1714564810000000000', asDouble: 'NaN' }] },
            },
            {
              name: 'syscall.duration',
              unit: 's',
              histogram: {
                dataPoints: [
                  {
                    attributes: [{ key: 'syscall.name', value: { stringValue: 'read' } }],
                    startTimeUnixNano: '1714564800000000000',
                    timeUnixNano: '1714564810000000000',
                    count: '120',
                    sum: 0.125,
                    bucketCounts: ['50', '40', '20', '8', '2'],
                    explicitBounds: [0.00001, 0.0001, 0.001, 0.01],
                    min: 0.000002,
                    max: 0.05,
                  },
                ],
                aggregationTemporality: 1,
              },
            },
            {
              name: 'queue.delta',
              sum: { dataPoints: [{ startTimeUnixNano: '5', timeUnixNano: '6', asDouble: -2.5 }], aggregationTemporality: 1 },
            },
          ],
        },
      ],
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
    },
    {
      resource: {},
      scopeMetrics: [{ scope: {}, metrics: [{ name: 'x', gauge: { dataPoints: [{ timeUnixNano: '1', asInt: '-7' }] } }] }],
    },
  ],
};

t.test('decodes every field exactly', async (t) => {
  const batches = decodeRequestLine(JSON.parse(JSON.stringify(request)));
  t.equal(batches.length, 1);
  t.equal(batches[0].signal, 'metrics');
  const records = batches[0].records as MetricRecord[];
  t.equal(records.length, 7);
  const resourceA: Resource = { attributes: { 'host.name': 'a' }, schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' };
  const scopeA: Scope = { name: 'ebpf-pipeline/syscall', version: '0.1.0' };
  t.strictSame(records[0], {
    resource: resourceA,
    scope: scopeA,
    name: 'syscall.calls',
    description: 'Syscalls completed',
    unit: '{call}',
    attributes: { 'syscall.name': 'read', big: 9007199254740993n, ratio: 0.5, ok: true, list: [1, 'x'], nested: { k: { deep: 2.25 } }, nothing: null },
    startTime: [1714564800, 1],
    time: [1714564810, 999999999],
    type: 'sum',
    temporality: 'cumulative',
    monotonic: true,
    valueType: 'int',
    value: 120,
  });
  t.equal(typeof records[0].attributes.big, 'bigint');
  // Shared resource and scope objects per entry.
  t.equal(records[1].resource, records[0].resource);
  t.equal(records[3].scope, records[0].scope);
  t.not(records[6].resource, records[0].resource);
  t.equal(records[1].value, 0);
  t.strictSame([records[2].type, records[2].valueType, records[2].value, records[2].startTime, records[2].temporality], ['gauge', 'double', 1.5, [0, 0], 'cumulative']);
  t.ok(Number.isNaN(records[3].value));
  t.strictSame(records[4].histogram, { bounds: [0.00001, 0.0001, 0.001, 0.01], counts: [50, 40, 20, 8, 2], sum: 0.125, count: 120, min: 0.000002, max: 0.05 });
  t.equal(records[4].temporality, 'delta');
  t.equal(records[4].attributes['syscall.name'], 'read');
  t.strictSame([records[5].name, records[5].temporality, records[5].monotonic, records[5].value, records[5].startTime, records[5].time], ['queue.delta', 'delta', false, -2.5, [0, 5], [0, 6]]);
  t.strictSame(records[6].resource, { attributes: {} });
  t.strictSame(records[6].scope, { name: '' });
  t.strictSame([records[6].valueType, records[6].value], ['int', -7]);
});

t.test('encode(decode(line)) reproduces the line exactly', async (t) => {
  const line = JSON.stringify(request);
  const again = JSON.stringify(encodeRequest(decodeRequestLine(JSON.parse(line))[0]));
  t.equal(again, line);
});

t.test('records -> request groups by resource, scope and metric', async (t) => {
  const resource: Resource = { attributes: { 'service.name': 'svc' } };
  const other: Resource = { attributes: { 'service.name': 'svc' } }; // equal content, other object: its own entry
  const scope: Scope = { name: 's' };
  const base = { scope, attributes: {}, startTime: [1, 0] as [number, number], time: [2, 500] as [number, number] };
  const records: MetricRecord[] = [
    { ...base, resource, name: 'a', type: 'sum', monotonic: true, temporality: 'cumulative', valueType: 'int', value: 1, attributes: { k: 'x' } },
    { ...base, resource: other, name: 'a', type: 'sum', monotonic: true, temporality: 'cumulative', valueType: 'int', value: 2 },
    { ...base, resource, name: 'a', type: 'sum', monotonic: true, temporality: 'cumulative', valueType: 'int', value: 3, attributes: { k: 'y' } },
    { ...base, resource, name: 'a', type: 'sum', monotonic: true, temporality: 'delta', valueType: 'int', value: 4 },
    { ...base, resource, name: 'g', type: 'gauge', temporality: 'cumulative', value: 0.1 },
  ];
  const out = encodeRequest({ signal: 'metrics', records });
  t.strictSame(out, {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeMetrics: [
          {
            scope: { name: 's' },
            metrics: [
              {
                name: 'a',
                sum: {
                  dataPoints: [
                    { attributes: [{ key: 'k', value: { stringValue: 'x' } }], startTimeUnixNano: '1000000000', timeUnixNano: '2000000500', asInt: '1' },
                    { attributes: [{ key: 'k', value: { stringValue: 'y' } }], startTimeUnixNano: '1000000000', timeUnixNano: '2000000500', asInt: '3' },
                  ],
                  aggregationTemporality: 2,
                  isMonotonic: true,
                },
              },
              { name: 'a', sum: { dataPoints: [{ startTimeUnixNano: '1000000000', timeUnixNano: '2000000500', asInt: '4' }], aggregationTemporality: 1, isMonotonic: true } },
              { name: 'g', gauge: { dataPoints: [{ startTimeUnixNano: '1000000000', timeUnixNano: '2000000500', asDouble: 0.1 }] } },
            ],
          },
        ],
      },
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeMetrics: [{ scope: { name: 's' }, metrics: [{ name: 'a', sum: { dataPoints: [{ startTimeUnixNano: '1000000000', timeUnixNano: '2000000500', asInt: '2' }], aggregationTemporality: 2, isMonotonic: true } }] }],
      },
    ],
  });
  // And back: the same records, regrouped.
  const back = decodeRequestLine(JSON.parse(JSON.stringify(out)))[0].records as MetricRecord[];
  t.strictSame(
    back.map((r) => [r.name, r.value, r.temporality, r.attributes]),
    [['a', 1, 'cumulative', { k: 'x' }], ['a', 3, 'cumulative', { k: 'y' }], ['a', 4, 'delta', {}], ['g', 0.1, 'cumulative', {}], ['a', 2, 'cumulative', {}]],
  );
});

t.test('int vs double attributes and values', async (t) => {
  const resource: Resource = { attributes: {} };
  const scope: Scope = { name: 's' };
  const r: MetricRecord = {
    resource, scope, name: 'v', type: 'gauge', temporality: 'cumulative', valueType: 'int', value: 3,
    attributes: { i: 3, d: 3.5, neg: -1, huge: 2n ** 63n - 1n, inf: Infinity }, startTime: [0, 0], time: [1, 2],
  };
  const json = encodeRequest({ signal: 'metrics', records: [r] });
  const point = (json as { resourceMetrics: { scopeMetrics: { metrics: { gauge: { dataPoints: unknown[] } }[] }[] }[] }).resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0];
  t.strictSame(point, {
    attributes: [
      { key: 'i', value: { intValue: '3' } },
      { key: 'd', value: { doubleValue: 3.5 } },
      { key: 'neg', value: { intValue: '-1' } },
      { key: 'huge', value: { intValue: '9223372036854775807' } },
      { key: 'inf', value: { doubleValue: 'Infinity' } },
    ],
    timeUnixNano: '1000000002',
    asInt: '3',
  });
  const back = decodeRequestLine(JSON.parse(JSON.stringify(json)))[0].records[0] as MetricRecord;
  t.strictSame(back.attributes, { i: 3, d: 3.5, neg: -1, huge: 9223372036854775807n, inf: Infinity });
  // Decoders accept numbers where int64 strings are expected.
  const lenient = decodeRequestLine({
    resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'n', sum: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA', dataPoints: [{ timeUnixNano: 1000000001, asInt: 5, attributes: [{ key: 'k', value: { intValue: 7 } }] }] } }] }] }],
  })[0].records[0] as MetricRecord;
  t.strictSame([lenient.time, lenient.value, lenient.valueType, lenient.temporality, lenient.attributes], [[1, 1], 5, 'int', 'delta', { k: 7 }]);
});

t.test('malformed requests throw with the JSON path', async (t) => {
  t.throws(() => decodeRequestLine([]), { message: 'request: expected an object' });
  t.throws(() => decodeRequestLine({ foo: 1 }), { message: /not an OTLP\/JSON export request/ });
  t.throws(() => decodeRequestLine({ resourceMetrics: {} }), { message: 'resourceMetrics: expected an array' });
  t.throws(() => decodeRequestLine({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', sum: { dataPoints: [{ timeUnixNano: 'soon' }] } }] }] }] }), {
    message: /expected nanoseconds/,
  });
  t.throws(() => decodeRequestLine({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', gauge: { dataPoints: [{ asInt: '1.5' }] } }] }] }] }), {
    message: 'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asInt: expected an integer (decimal string or number)',
  });
});
