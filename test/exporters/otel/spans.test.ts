import t from 'tap';
import type { Resource, Scope, SpanRecord } from '../../../core/signals';
import { toReadableSpan, toReadableSpans } from '../../../exporters/otel/spans';
import { toSdkResource, toSdkScope } from '../../../exporters/otel/resource';

const resource: Resource = { attributes: { 'host.name': 'h1' } };
const scope: Scope = { name: 'ebpf-pipeline/receiver/tcp' };

const record: SpanRecord = {
  resource, scope,
  traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', parentSpanId: '00f067aa0ba902b7',
  name: 'tcp.connection', kind: 3, startTime: [1700000000, 123456789], endTime: [1700000002, 23456789],
  attributes: { 'network.peer.port': 443, n: 5n },
  status: { code: 2, message: 'reset' },
  events: [{ name: 'retransmit', time: [1700000001, 1], attributes: { seq: 9 } }, { name: 'fin', time: [1700000002, 0] }],
};

t.test('a span record becomes a ReadableSpan with every field', async (t) => {
  const s = toReadableSpan(record);
  t.equal(s.name, 'tcp.connection');
  t.equal(s.kind, 3);
  t.strictSame(s.spanContext(), { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: false });
  t.strictSame(s.parentSpanContext, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: false });
  t.strictSame(s.startTime, [1700000000, 123456789]);
  t.strictSame(s.endTime, [1700000002, 23456789]);
  t.strictSame(s.duration, [1, 900000000]);
  t.equal(s.ended, true);
  t.strictSame(s.status, { code: 2, message: 'reset' });
  t.strictSame(s.attributes, { 'network.peer.port': 443, n: 5 });
  t.strictSame(s.links, []);
  t.strictSame(s.events, [
    { name: 'retransmit', time: [1700000001, 1], attributes: { seq: 9 }, droppedAttributesCount: 0 },
    { name: 'fin', time: [1700000002, 0], attributes: {}, droppedAttributesCount: 0 },
  ]);
  t.equal(s.resource, toSdkResource(resource));
  t.equal(s.instrumentationScope, toSdkScope(scope));
  t.strictSame(s.instrumentationScope, { name: 'ebpf-pipeline/receiver/tcp' });
  t.equal(s.droppedAttributesCount, 0);
  t.equal(s.droppedEventsCount, 0);
  t.equal(s.droppedLinksCount, 0);
});

t.test('a root span without status has no parent and status UNSET', async (t) => {
  const [s] = toReadableSpans([{ ...record, parentSpanId: undefined, status: undefined, events: undefined }]);
  t.equal(s.parentSpanContext, undefined);
  t.strictSame(s.status, { code: 0 });
  t.strictSame(s.events, []);
});
