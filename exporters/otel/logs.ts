/** Log records to `@opentelemetry/sdk-logs` `ReadableLogRecord`. */
import { TraceFlags } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { LogRecord } from '../../core/signals';
import { toAnyValue, toAnyValueMap } from './attributes';
import { toSdkResource, toSdkScope } from './resource';

/**
 * Converts one log record. `hrTimeObserved` falls back to `time`. A span
 * context is attached when the record has a trace id (span id empty when
 * absent, which OTLP leaves out); its trace flags are unknown here, so `NONE`.
 */
export function toReadableLogRecord(r: LogRecord): ReadableLogRecord {
  const spanContext: SpanContext | undefined = r.traceId
    ? { traceId: r.traceId, spanId: r.spanId ?? '', traceFlags: TraceFlags.NONE, isRemote: false }
    : undefined;
  return {
    hrTime: r.time,
    hrTimeObserved: r.observedTime ?? r.time,
    ...(spanContext ? { spanContext } : {}),
    ...(r.severityNumber !== undefined ? { severityNumber: r.severityNumber } : {}),
    ...(r.severityText !== undefined ? { severityText: r.severityText } : {}),
    ...(r.body !== undefined && r.body !== null ? { body: toAnyValue(r.body) } : {}),
    ...(r.eventName !== undefined ? { eventName: r.eventName } : {}),
    resource: toSdkResource(r.resource),
    instrumentationScope: toSdkScope(r.scope),
    attributes: toAnyValueMap(r.attributes),
    droppedAttributesCount: 0,
  };
}

/** Converts log records, in order. */
export function toReadableLogRecords(records: readonly LogRecord[]): ReadableLogRecord[] {
  return records.map(toReadableLogRecord);
}
