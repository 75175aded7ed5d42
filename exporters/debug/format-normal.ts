/** `normal` verbosity: one line per record. */
import type { Batch, LogRecord, MetricRecord, SpanRecord } from '../../core/signals';
import { compactAttributes, compactValue, formatElapsed, severityName } from './text';

const KIND_NAMES = ['internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_NAMES = ['unset', 'ok', 'error'];

/**
 * A metric point: `name{k=v} 12` for sums and gauges;
 * `name{k=v} count=5 sum=0.5 min=0.01 max=0.2 buckets=[1,3,1] bounds=[0.05,0.1]` for histograms.
 */
export function formatMetricLine(r: MetricRecord): string {
  const head = `${r.name}${compactAttributes(r.attributes)}`;
  if (r.type !== 'histogram') return `${head} ${r.value ?? 0}`;
  const h = r.histogram ?? { bounds: [], counts: [], sum: 0, count: 0 };
  const parts = [head, `count=${h.count}`, `sum=${h.sum}`];
  if (h.min !== undefined) parts.push(`min=${h.min}`);
  if (h.max !== undefined) parts.push(`max=${h.max}`);
  parts.push(`buckets=[${h.counts.join(',')}]`, `bounds=[${h.bounds.join(',')}]`);
  return parts.join(' ');
}

/** A log record: `SEVERITY eventName{k=v} body` (empty parts left out). */
export function formatLogLine(r: LogRecord): string {
  const parts = [r.severityText || severityName(r.severityNumber)];
  const head = `${r.eventName ?? ''}${compactAttributes(r.attributes)}`;
  if (head) parts.push(head);
  if (r.body !== undefined) parts.push(compactValue(r.body));
  return parts.join(' ');
}

/** A span: `name{k=v} kind=server duration=1.5ms status=error: msg trace=<hex> span=<hex> parent=<hex>`. */
export function formatSpanLine(r: SpanRecord): string {
  const parts = [`${r.name}${compactAttributes(r.attributes)}`, `kind=${KIND_NAMES[r.kind] ?? r.kind}`, `duration=${formatElapsed(r.startTime, r.endTime)}`];
  if (r.status && r.status.code !== 0) parts.push(`status=${STATUS_NAMES[r.status.code]}${r.status.message ? `: ${r.status.message}` : ''}`);
  parts.push(`trace=${r.traceId}`, `span=${r.spanId}`);
  if (r.parentSpanId) parts.push(`parent=${r.parentSpanId}`);
  return parts.join(' ');
}

/** Every record of a batch as one line each, prefixed with `prefix` (the component id). */
export function formatNormal(batch: Batch, prefix: string): string[] {
  switch (batch.signal) {
    case 'metrics':
      return batch.records.map((r) => `${prefix} ${formatMetricLine(r)}`);
    case 'logs':
      return batch.records.map((r) => `${prefix} ${formatLogLine(r)}`);
    case 'traces':
      return batch.records.map((r) => `${prefix} ${formatSpanLine(r)}`);
  }
}
