/**
 * Span records to `ReadableSpan` (the `@opentelemetry/sdk-trace` 2.x shape
 * that `@opentelemetry/sdk-trace-base` re-exports and the OTLP trace
 * exporter serializes).
 */
import { TraceFlags } from '@opentelemetry/api';
import type { SpanContext, SpanStatus } from '@opentelemetry/api';
import { hrTimeDuration } from '@opentelemetry/core';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { SpanRecord } from '../../core/signals';
import { toApiAttributes } from './attributes';
import { toSdkResource, toSdkScope } from './resource';

/**
 * Converts one span record. The span context is marked sampled and local
 * (the record was observed here); the parent context, when there is a
 * parent span id, is also local. Links are not carried by our records.
 */
export function toReadableSpan(r: SpanRecord): ReadableSpan {
  const context: SpanContext = { traceId: r.traceId, spanId: r.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false };
  const parent: SpanContext | undefined = r.parentSpanId
    ? { traceId: r.traceId, spanId: r.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: false }
    : undefined;
  const status: SpanStatus = r.status
    ? { code: r.status.code, ...(r.status.message !== undefined ? { message: r.status.message } : {}) }
    : { code: 0 };
  const events: TimedEvent[] = (r.events ?? []).map((e) => ({
    name: e.name,
    time: e.time,
    attributes: toApiAttributes(e.attributes ?? {}),
    droppedAttributesCount: 0,
  }));
  return {
    name: r.name,
    kind: r.kind,
    spanContext: () => context,
    parentSpanContext: parent,
    startTime: r.startTime,
    endTime: r.endTime,
    status,
    attributes: toApiAttributes(r.attributes),
    links: [],
    events,
    duration: hrTimeDuration(r.startTime, r.endTime),
    ended: true,
    resource: toSdkResource(r.resource),
    instrumentationScope: toSdkScope(r.scope),
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** Converts span records, in order. */
export function toReadableSpans(records: readonly SpanRecord[]): ReadableSpan[] {
  return records.map(toReadableSpan);
}
