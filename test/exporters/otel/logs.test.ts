import t from 'tap';
import type { LogRecord, Resource, Scope } from '../../../core/signals';
import { toReadableLogRecord, toReadableLogRecords } from '../../../exporters/otel/logs';
import { toSdkResource, toSdkScope } from '../../../exporters/otel/resource';

const resource: Resource = { attributes: { 'host.name': 'h1' } };
const scope: Scope = { name: 'ebpf-pipeline/receiver/security', version: '1.2.3' };

t.test('a log record becomes a ReadableLogRecord with every field', async (t) => {
  const record: LogRecord = {
    resource, scope, time: [1700000000, 1], observedTime: [1700000000, 2], severityNumber: 13, severityText: 'WARN',
    body: { msg: 'exec', argv: ['ls', '-l'], size: 3n }, attributes: { 'process.pid': 42, absent: undefined },
    eventName: 'process.exec', traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331',
  };
  const l = toReadableLogRecord(record);
  t.strictSame(l.hrTime, [1700000000, 1]);
  t.strictSame(l.hrTimeObserved, [1700000000, 2]);
  t.equal(l.severityNumber, 13);
  t.equal(l.severityText, 'WARN');
  t.strictSame(l.body, { msg: 'exec', argv: ['ls', '-l'], size: 3 });
  t.strictSame(l.attributes, { 'process.pid': 42 });
  t.equal(l.eventName, 'process.exec');
  t.strictSame(l.spanContext, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 0, isRemote: false });
  t.equal(l.resource, toSdkResource(resource));
  t.equal(l.instrumentationScope, toSdkScope(scope));
  t.strictSame(l.instrumentationScope, { name: 'ebpf-pipeline/receiver/security', version: '1.2.3' });
  t.equal(l.droppedAttributesCount, 0);
});

t.test('optional fields stay absent; observed time falls back to time', async (t) => {
  const [l] = toReadableLogRecords([{ resource, scope, time: [5, 6], attributes: {} }]);
  t.strictSame(Object.keys(l).sort(), ['attributes', 'droppedAttributesCount', 'hrTime', 'hrTimeObserved', 'instrumentationScope', 'resource']);
  t.strictSame(l.hrTimeObserved, [5, 6]);
});
