/** Spans to and from an OTLP/JSON `ExportTraceServiceRequest`. */
import type { SpanEvent, SpanKind, SpanRecord } from '../signals';
import type { OtlpSpan, OtlpTracesRequest } from './types';
import { decodeAttributes, encodeAttributes } from './any-value';
import { decodeId } from './ids';
import { decodeResource, decodeScope, encodeResource, encodeScope, groupByResourceAndScope } from './resource-scope';
import { asArray, asEnum, asObject, asString } from './shape';
import { hrTimeToNanos, isZeroTime, nanosToHrTime } from './time';

const KIND_NAMES = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

function encodeSpan(r: SpanRecord): OtlpSpan {
  // Field order as in the proto: ids, parent, name, kind, times, attributes, events, status.
  const ordered = { traceId: r.traceId, spanId: r.spanId } as OtlpSpan;
  if (r.parentSpanId) ordered.parentSpanId = r.parentSpanId;
  ordered.name = r.name;
  ordered.kind = r.kind + 1;
  if (!isZeroTime(r.startTime)) ordered.startTimeUnixNano = hrTimeToNanos(r.startTime);
  if (!isZeroTime(r.endTime)) ordered.endTimeUnixNano = hrTimeToNanos(r.endTime);
  const attributes = encodeAttributes(r.attributes);
  if (attributes.length > 0) ordered.attributes = attributes;
  if (r.events && r.events.length > 0) {
    ordered.events = r.events.map((e) => {
      const event: NonNullable<OtlpSpan['events']>[number] = { name: e.name };
      if (!isZeroTime(e.time)) event.timeUnixNano = hrTimeToNanos(e.time);
      const eventAttributes = e.attributes ? encodeAttributes(e.attributes) : [];
      if (eventAttributes.length > 0) event.attributes = eventAttributes;
      return event;
    });
  }
  // An unset status without a message is the proto default: not written.
  if (r.status && (r.status.code || r.status.message)) {
    ordered.status = {};
    if (r.status.message) ordered.status.message = r.status.message;
    if (r.status.code) ordered.status.code = r.status.code;
  }
  return ordered;
}

/** Spans as a request, grouped by resource then scope. Span kinds are shifted to OTLP numbering (+1). */
export function encodeTracesRequest(records: readonly SpanRecord[]): OtlpTracesRequest {
  const request: OtlpTracesRequest = { resourceSpans: [] };
  for (const [resource, scopes] of groupByResourceAndScope(records)) {
    const entry: OtlpTracesRequest['resourceSpans'][number] = { resource: encodeResource(resource), scopeSpans: [] };
    if (resource.schemaUrl) entry.schemaUrl = resource.schemaUrl;
    for (const [scope, spans] of scopes) {
      entry.scopeSpans.push({ scope: encodeScope(scope), spans: spans.map(encodeSpan) });
    }
    request.resourceSpans.push(entry);
  }
  return request;
}

function decodeEvents(json: unknown, path: string): SpanEvent[] | undefined {
  const items = asArray(json, path);
  if (items.length === 0) return undefined;
  return items.map((item, i) => {
    const e = asObject(item, `${path}[${i}]`);
    const event: SpanEvent = { name: asString(e.name, `${path}[${i}].name`), time: nanosToHrTime(e.timeUnixNano ?? '0') };
    if (e.attributes !== undefined) {
      const attributes = decodeAttributes(e.attributes, `${path}[${i}].attributes`);
      if (Object.keys(attributes).length > 0) event.attributes = attributes;
    }
    return event;
  });
}

function decodeSpan(s: Record<string, unknown>, path: string, base: Pick<SpanRecord, 'resource' | 'scope'>): SpanRecord {
  const otlpKind = asEnum(s.kind, KIND_NAMES, `${path}.kind`);
  const r: SpanRecord = {
    resource: base.resource,
    scope: base.scope,
    traceId: decodeId(s.traceId, 16, `${path}.traceId`),
    spanId: decodeId(s.spanId, 8, `${path}.spanId`),
    name: asString(s.name, `${path}.name`),
    // OTLP 0 (unspecified) and 1 (internal) both map to the JS API's INTERNAL (0).
    kind: (otlpKind >= 1 && otlpKind <= 5 ? otlpKind - 1 : 0) as SpanKind,
    startTime: nanosToHrTime(s.startTimeUnixNano ?? '0'),
    endTime: nanosToHrTime(s.endTimeUnixNano ?? '0'),
    attributes: decodeAttributes(s.attributes, `${path}.attributes`),
  };
  const parent = decodeId(s.parentSpanId, 8, `${path}.parentSpanId`);
  if (parent) {
    // Keep the key order of the encoder (parent after span id) so records compare cleanly in tests.
    const { resource, scope, traceId, spanId, ...rest } = r;
    return finishSpan({ resource, scope, traceId, spanId, parentSpanId: parent, ...rest }, s, path);
  }
  return finishSpan(r, s, path);
}

function finishSpan(r: SpanRecord, s: Record<string, unknown>, path: string): SpanRecord {
  if (s.status !== undefined && s.status !== null) {
    const status = asObject(s.status, `${path}.status`);
    const code = asEnum(status.code, STATUS_NAMES, `${path}.status.code`);
    const message = asString(status.message, `${path}.status.message`);
    // An unset status without a message is the proto default: the same as no status.
    if (code > 0 || message) {
      r.status = { code: (code >= 0 && code <= 2 ? code : 0) as 0 | 1 | 2 };
      if (message) r.status.message = message;
    }
  }
  const events = decodeEvents(s.events, `${path}.events`);
  if (events) r.events = events;
  return r;
}

/** Reads the `resourceSpans` array of a request into spans (one Resource/Scope object per entry). */
export function decodeResourceSpans(json: unknown): SpanRecord[] {
  const out: SpanRecord[] = [];
  asArray(json, 'resourceSpans').forEach((rsItem, i) => {
    const rsPath = `resourceSpans[${i}]`;
    const rs = asObject(rsItem, rsPath);
    const resource = decodeResource(rs, rsPath);
    asArray(rs.scopeSpans, `${rsPath}.scopeSpans`).forEach((ssItem, j) => {
      const ssPath = `${rsPath}.scopeSpans[${j}]`;
      const ss = asObject(ssItem, ssPath);
      const scope = decodeScope(ss, ssPath);
      asArray(ss.spans, `${ssPath}.spans`).forEach((item, k) => {
        out.push(decodeSpan(asObject(item, `${ssPath}.spans[${k}]`), `${ssPath}.spans[${k}]`, { resource, scope }));
      });
    });
  });
  return out;
}
