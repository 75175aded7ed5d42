/**
 * The variables an expression sees for one record. One view is reused for
 * every record an expression evaluates: only the record and signal change,
 * and each variable is computed only when the expression reads it.
 */
import type { Attributes, LogRecord, MetricRecord, Signal, SpanRecord } from '../signals';
import { intOf, toCelValue } from './values';

/** A record of any signal. */
export type AnyRecord = MetricRecord | LogRecord | SpanRecord;

const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * The CEL context of one record. Variables that do not apply to the signal
 * are `null` (`body` on a metric, `value` on a span).
 */
export class RecordView {
  /** The record being evaluated. */
  record: AnyRecord;
  /** Its signal. */
  signal: Signal;

  constructor(record: AnyRecord, signal: Signal) {
    this.record = record;
    this.signal = signal;
  }

  /** Metric or span name; a log's `eventName` (`""` when it has none). */
  get name(): string {
    if (this.signal === 'logs') return (this.record as LogRecord).eventName ?? '';
    return (this.record as MetricRecord | SpanRecord).name;
  }

  /** The record attributes, read in place (no copy). */
  get attributes(): Attributes {
    return this.record.attributes ?? NO_ATTRIBUTES;
  }

  /** The resource attributes, read in place. */
  get resource(): Attributes {
    return this.record.resource?.attributes ?? NO_ATTRIBUTES;
  }

  /** Logs: the body. */
  get body(): unknown {
    return this.signal === 'logs' ? toCelValue((this.record as LogRecord).body) : null;
  }

  /** Logs: the severity number as an int (0 when unspecified). */
  get severity(): bigint | null {
    return this.signal === 'logs' ? intOf((this.record as LogRecord).severityNumber ?? 0) : null;
  }

  /** Logs: the severity text (`""` when absent). */
  get severity_text(): string | null {
    return this.signal === 'logs' ? (this.record as LogRecord).severityText ?? '' : null;
  }

  /** Spans: the span kind as an int (see the `SPAN_KIND_*` constants). */
  get kind(): bigint | null {
    return this.signal === 'traces' ? intOf((this.record as SpanRecord).kind ?? 0) : null;
  }

  /**
   * Metrics: `sum`, `gauge` or `histogram`. Named `metric_type` because
   * `type` is a CEL built-in (`type(x)`).
   */
  get metric_type(): string | null {
    return this.signal === 'metrics' ? (this.record as MetricRecord).type : null;
  }

  /**
   * Metrics: the point value; an int when `valueType` is `int` or the value
   * is integer-valued and not declared `double`. `null` for histograms.
   */
  get value(): number | bigint | null {
    if (this.signal !== 'metrics') return null;
    const m = this.record as MetricRecord;
    const v = m.value;
    if (v === undefined) return null;
    if (m.valueType === 'double' || !Number.isSafeInteger(v)) return v;
    return intOf(v);
  }
}
