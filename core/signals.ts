/**
 * Signal records: the OpenTelemetry-shaped data that flows through pipelines.
 *
 * Records are plain objects. Each one points at a shared {@link Resource} and
 * {@link Scope} object, so a batch may mix resources (a replayed file does)
 * without copying them per record.
 */

/** A point in time as `[seconds, nanoseconds]` since the Unix epoch, as in the OpenTelemetry SDK. */
export type HrTime = [number, number];

/** An attribute value, as in the OpenTelemetry data model. */
export type AttributeValue = string | number | boolean | bigint | AttributeValue[] | null | undefined | { [key: string]: AttributeValue };

/** A flat map of attributes (`process.pid`, `syscall.name`, ...). */
export type Attributes = Record<string, AttributeValue>;

/** The entity that produced the data (host, service). Shared by reference between records. */
export interface Resource {
  attributes: Attributes;
  /** OTLP schema URL, when one was given. */
  schemaUrl?: string;
}

/** The instrumentation scope (which receiver made the data). Shared by reference. */
export interface Scope {
  name: string;
  version?: string;
  attributes?: Attributes;
}

/** The three pipeline signals. */
export type Signal = 'metrics' | 'logs' | 'traces';

/** All pipeline signals, in a fixed order. */
export const SIGNALS: readonly Signal[] = ['metrics', 'logs', 'traces'];

/** A histogram value with explicit bucket bounds (`counts.length === bounds.length + 1`). */
export interface HistogramValue {
  bounds: number[];
  counts: number[];
  sum: number;
  count: number;
  min?: number;
  max?: number;
}

/** The data point kinds the pipeline carries. */
export type MetricType = 'sum' | 'gauge' | 'histogram';

/** One metric data point together with its metric's descriptor. */
export interface MetricRecord {
  resource: Resource;
  scope: Scope;
  /** OpenTelemetry metric name, e.g. `syscall.calls`. */
  name: string;
  description?: string;
  /** UCUM unit, e.g. `s`, `By`, `{call}`. */
  unit?: string;
  type: MetricType;
  /** For sums: whether the value only grows. */
  monotonic?: boolean;
  /** For sums and histograms. Gauges are always `cumulative` here. */
  temporality: 'cumulative' | 'delta';
  /** Whether `value` is an integer (OTLP asInt) or a double. */
  valueType?: 'int' | 'double';
  attributes: Attributes;
  startTime: HrTime;
  time: HrTime;
  /** The value of a sum or gauge point. */
  value?: number;
  /** The value of a histogram point. */
  histogram?: HistogramValue;
}

/** OpenTelemetry severity numbers 1..24; 0 is unspecified. */
export type SeverityNumber = number;

/** One log record (an event or an alert). */
export interface LogRecord {
  resource: Resource;
  scope: Scope;
  time: HrTime;
  observedTime?: HrTime;
  severityNumber?: SeverityNumber;
  severityText?: string;
  body?: AttributeValue;
  attributes: Attributes;
  /** OpenTelemetry event name, e.g. `process.exec`. */
  eventName?: string;
  /** Hex trace id, when the record belongs to a trace. */
  traceId?: string;
  /** Hex span id, when the record belongs to a span. */
  spanId?: string;
}

/** Span kinds, numbered as in `@opentelemetry/api` (INTERNAL=0 ... CONSUMER=4). */
export type SpanKind = 0 | 1 | 2 | 3 | 4;

/** A timed event inside a span. */
export interface SpanEvent {
  name: string;
  time: HrTime;
  attributes?: Attributes;
}

/** One finished span (a thing with a duration: a connection, a slow syscall). */
export interface SpanRecord {
  resource: Resource;
  scope: Scope;
  /** 32 hex characters. */
  traceId: string;
  /** 16 hex characters. */
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  startTime: HrTime;
  endTime: HrTime;
  attributes: Attributes;
  /** 0 unset, 1 ok, 2 error, as in `@opentelemetry/api`'s SpanStatusCode. */
  status?: { code: 0 | 1 | 2; message?: string };
  events?: SpanEvent[];
}

/** A batch of metric points. */
export interface MetricBatch { signal: 'metrics'; records: MetricRecord[] }
/** A batch of log records. */
export interface LogBatch { signal: 'logs'; records: LogRecord[] }
/** A batch of spans. */
export interface SpanBatch { signal: 'traces'; records: SpanRecord[] }

/** What flows between components: a batch of records of one signal. */
export type Batch = MetricBatch | LogBatch | SpanBatch;

/** The record type that goes with a signal. */
export type RecordOf<S extends Signal> = S extends 'metrics' ? MetricRecord : S extends 'logs' ? LogRecord : SpanRecord;

/** Builds an empty-or-filled batch of the given signal. */
export function makeBatch<S extends Signal>(signal: S, records: RecordOf<S>[]): Batch {
  return { signal, records } as Batch;
}

/** The current time as {@link HrTime}. */
export function nowHrTime(): HrTime {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}
