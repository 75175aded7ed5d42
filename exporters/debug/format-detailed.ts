/**
 * `detailed` verbosity: every field, resource and scope included, laid out as
 * the OpenTelemetry Collector's debug exporter prints them. Renders the
 * OTLP/JSON request, so what is shown is exactly what the OTLP exporters send.
 */
import type { Batch } from '../../core/signals';
import { encodeRequest } from '../../core/otlp-json';
import type {
  OtlpAnyValue,
  OtlpHistogramDataPoint,
  OtlpKeyValue,
  OtlpLogsRequest,
  OtlpMetric,
  OtlpMetricsRequest,
  OtlpNumberDataPoint,
  OtlpResource,
  OtlpScope,
  OtlpTracesRequest,
} from '../../core/otlp-json';
import { formatTimestamp, severityName } from './text';

const INDENT = '     -> ';

/** An AnyValue as the Collector shows it: `Str(x)`, `Int(1)`, `Double(1.5)`, `Bool(true)`, `Slice([...])`, `Map({...})`. */
export function formatAnyValue(v: OtlpAnyValue | undefined): string {
  if (!v) return 'Empty()';
  if (v.stringValue !== undefined) return `Str(${v.stringValue})`;
  if (v.intValue !== undefined) return `Int(${v.intValue})`;
  if (v.doubleValue !== undefined) return `Double(${v.doubleValue})`;
  if (v.boolValue !== undefined) return `Bool(${v.boolValue})`;
  if (v.bytesValue !== undefined) return `Bytes(${v.bytesValue})`;
  if (v.arrayValue) return `Slice(${JSON.stringify(v.arrayValue.values.map(plainValue))})`;
  if (v.kvlistValue) return `Map(${JSON.stringify(plainMap(v.kvlistValue.values))})`;
  return 'Empty()';
}

function plainValue(v: OtlpAnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.arrayValue) return v.arrayValue.values.map(plainValue);
  if (v.kvlistValue) return plainMap(v.kvlistValue.values);
  return null;
}

function plainMap(values: OtlpKeyValue[]): Record<string, unknown> {
  return Object.fromEntries(values.map((kv) => [kv.key, plainValue(kv.value)]));
}

function attributeLines(out: string[], title: string, attributes: OtlpKeyValue[] | undefined, indent = INDENT): void {
  if (!attributes || attributes.length === 0) return;
  out.push(title);
  for (const kv of attributes) out.push(`${indent}${kv.key}: ${formatAnyValue(kv.value)}`);
}

function resourceLines(out: string[], kind: string, i: number, resource: OtlpResource, schemaUrl: string | undefined): void {
  out.push(`${kind} #${i}`, `Resource SchemaURL: ${schemaUrl ?? ''}`);
  attributeLines(out, 'Resource attributes:', resource.attributes);
}

function scopeLines(out: string[], kind: string, j: number, scope: OtlpScope): void {
  out.push(`${kind} #${j}`, `${kind} SchemaURL: `, `InstrumentationScope ${scope.name ?? ''} ${scope.version ?? ''}`);
  attributeLines(out, 'InstrumentationScope attributes:', scope.attributes);
}

const TEMPORALITY = ['Unspecified', 'Delta', 'Cumulative'];

function metricLines(out: string[], m: OtlpMetric, k: number): void {
  out.push(`Metric #${k}`, 'Descriptor:', `${INDENT}Name: ${m.name}`, `${INDENT}Description: ${m.description ?? ''}`, `${INDENT}Unit: ${m.unit ?? ''}`);
  if (m.sum) {
    out.push(`${INDENT}DataType: Sum`, `${INDENT}IsMonotonic: ${m.sum.isMonotonic === true}`, `${INDENT}AggregationTemporality: ${TEMPORALITY[m.sum.aggregationTemporality]}`);
    m.sum.dataPoints.forEach((p, i) => numberPointLines(out, p, i));
  } else if (m.gauge) {
    out.push(`${INDENT}DataType: Gauge`);
    m.gauge.dataPoints.forEach((p, i) => numberPointLines(out, p, i));
  } else if (m.histogram) {
    out.push(`${INDENT}DataType: Histogram`, `${INDENT}AggregationTemporality: ${TEMPORALITY[m.histogram.aggregationTemporality]}`);
    m.histogram.dataPoints.forEach((p, i) => histogramPointLines(out, p, i));
  }
}

function pointHead(out: string[], kind: string, i: number, p: OtlpNumberDataPoint | OtlpHistogramDataPoint): void {
  out.push(`${kind} #${i}`);
  attributeLines(out, 'Data point attributes:', p.attributes);
  out.push(`StartTimestamp: ${formatTimestamp(p.startTimeUnixNano)}`, `Timestamp: ${formatTimestamp(p.timeUnixNano)}`);
}

function numberPointLines(out: string[], p: OtlpNumberDataPoint, i: number): void {
  pointHead(out, 'NumberDataPoints', i, p);
  out.push(`Value: ${p.asInt ?? p.asDouble}`);
}

function histogramPointLines(out: string[], p: OtlpHistogramDataPoint, i: number): void {
  pointHead(out, 'HistogramDataPoints', i, p);
  out.push(`Count: ${p.count}`, `Sum: ${p.sum ?? ''}`);
  if (p.min !== undefined) out.push(`Min: ${p.min}`);
  if (p.max !== undefined) out.push(`Max: ${p.max}`);
  (p.explicitBounds ?? []).forEach((b, j) => out.push(`ExplicitBounds #${j}: ${b}`));
  (p.bucketCounts ?? []).forEach((c, j) => out.push(`Buckets #${j}, Count: ${c}`));
}

function metricsLines(request: OtlpMetricsRequest, out: string[]): void {
  request.resourceMetrics.forEach((rm, i) => {
    resourceLines(out, 'ResourceMetrics', i, rm.resource, rm.schemaUrl);
    rm.scopeMetrics.forEach((sm, j) => {
      scopeLines(out, 'ScopeMetrics', j, sm.scope);
      sm.metrics.forEach((m, k) => metricLines(out, m, k));
    });
  });
}

function logsLines(request: OtlpLogsRequest, out: string[]): void {
  request.resourceLogs.forEach((rl, i) => {
    resourceLines(out, 'ResourceLog', i, rl.resource, rl.schemaUrl);
    rl.scopeLogs.forEach((sl, j) => {
      scopeLines(out, 'ScopeLogs', j, sl.scope);
      sl.logRecords.forEach((l, k) => {
        const severity = severityName(l.severityNumber);
        out.push(
          `LogRecord #${k}`,
          `ObservedTimestamp: ${formatTimestamp(l.observedTimeUnixNano)}`,
          `Timestamp: ${formatTimestamp(l.timeUnixNano)}`,
          `SeverityText: ${l.severityText ?? ''}`,
          `SeverityNumber: ${severity[0]}${severity.slice(1).toLowerCase()}(${l.severityNumber ?? 0})`,
          `EventName: ${l.eventName ?? ''}`,
          `Body: ${formatAnyValue(l.body)}`,
        );
        attributeLines(out, 'Attributes:', l.attributes);
        out.push(`Trace ID: ${l.traceId ?? ''}`, `Span ID: ${l.spanId ?? ''}`);
      });
    });
  });
}

const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS_CODES = ['Unset', 'Ok', 'Error'];

function tracesLines(request: OtlpTracesRequest, out: string[]): void {
  request.resourceSpans.forEach((rs, i) => {
    resourceLines(out, 'ResourceSpans', i, rs.resource, rs.schemaUrl);
    rs.scopeSpans.forEach((ss, j) => {
      scopeLines(out, 'ScopeSpans', j, ss.scope);
      ss.spans.forEach((s, k) => {
        out.push(
          `Span #${k}`,
          `    Trace ID       : ${s.traceId}`,
          `    Parent ID      : ${s.parentSpanId ?? ''}`,
          `    ID             : ${s.spanId}`,
          `    Name           : ${s.name}`,
          `    Kind           : ${SPAN_KINDS[s.kind] ?? s.kind}`,
          `    Start time     : ${formatTimestamp(s.startTimeUnixNano)}`,
          `    End time       : ${formatTimestamp(s.endTimeUnixNano)}`,
          `    Status code    : ${STATUS_CODES[s.status?.code ?? 0]}`,
          `    Status message : ${s.status?.message ?? ''}`,
        );
        attributeLines(out, 'Attributes:', s.attributes);
        if (s.events && s.events.length > 0) {
          out.push('Events:');
          s.events.forEach((e, n) => {
            out.push(`SpanEvent #${n}`, `${INDENT}Name: ${e.name}`, `${INDENT}Timestamp: ${formatTimestamp(e.timeUnixNano)}`);
            attributeLines(out, `${INDENT}Attributes::`, e.attributes, `          -> `);
          });
        }
      });
    });
  });
}

/** Every field of a batch, one line per field (without the summary line). */
export function formatDetailed(batch: Batch): string[] {
  const out: string[] = [];
  const request = encodeRequest(batch);
  if ('resourceMetrics' in request) metricsLines(request, out);
  else if ('resourceLogs' in request) logsLines(request, out);
  else tracesLines(request, out);
  return out;
}
