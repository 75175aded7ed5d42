/**
 * The OTLP/JSON wire shapes (proto3 JSON mapping of the OTLP export requests):
 * lowerCamelCase field names, 64-bit integers as decimal strings, trace and
 * span ids as lowercase hex, enums as integers.
 *
 * Only the fields this codec writes are typed precisely; decoders read
 * `unknown` input and accept the other spellings proto3 JSON allows.
 */

/** An OTLP `AnyValue`: exactly one of the fields is set; `{}` is the empty value. */
export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  /** int64 as a decimal string. */
  intValue?: string;
  /** A JSON number, or `"NaN"`, `"Infinity"`, `"-Infinity"`. */
  doubleValue?: number | string;
  arrayValue?: { values: OtlpAnyValue[] };
  kvlistValue?: { values: OtlpKeyValue[] };
  /** Base64. Read only: decoded to a base64 string attribute. */
  bytesValue?: string;
}

/** An OTLP `KeyValue`. */
export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

/** An OTLP `Resource`. */
export interface OtlpResource {
  attributes?: OtlpKeyValue[];
}

/** An OTLP `InstrumentationScope`. */
export interface OtlpScope {
  name?: string;
  version?: string;
  attributes?: OtlpKeyValue[];
}

/** An OTLP `NumberDataPoint` (sum and gauge points). */
export interface OtlpNumberDataPoint {
  attributes?: OtlpKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  asInt?: string;
  asDouble?: number | string;
}

/** An OTLP `HistogramDataPoint` (explicit bounds). */
export interface OtlpHistogramDataPoint {
  attributes?: OtlpKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  count: string;
  sum?: number | string;
  bucketCounts?: string[];
  explicitBounds?: (number | string)[];
  min?: number | string;
  max?: number | string;
}

/** An OTLP `Metric` with one of the three data kinds this project carries. */
export interface OtlpMetric {
  name: string;
  description?: string;
  unit?: string;
  sum?: { dataPoints: OtlpNumberDataPoint[]; aggregationTemporality: number; isMonotonic?: boolean };
  gauge?: { dataPoints: OtlpNumberDataPoint[] };
  histogram?: { dataPoints: OtlpHistogramDataPoint[]; aggregationTemporality: number };
}

/** An OTLP `LogRecord`. */
export interface OtlpLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: OtlpAnyValue;
  attributes?: OtlpKeyValue[];
  traceId?: string;
  spanId?: string;
  eventName?: string;
}

/** An OTLP `Span.Event`. */
export interface OtlpSpanEvent {
  timeUnixNano?: string;
  name: string;
  attributes?: OtlpKeyValue[];
}

/** An OTLP `Span`. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP numbering: 1 internal ... 5 consumer (the JS API's kind + 1). */
  kind: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: OtlpKeyValue[];
  events?: OtlpSpanEvent[];
  status?: { message?: string; code?: number };
}

/** `ExportMetricsServiceRequest`. */
export interface OtlpMetricsRequest {
  resourceMetrics: {
    resource: OtlpResource;
    scopeMetrics: { scope: OtlpScope; metrics: OtlpMetric[] }[];
    schemaUrl?: string;
  }[];
}

/** `ExportLogsServiceRequest`. */
export interface OtlpLogsRequest {
  resourceLogs: {
    resource: OtlpResource;
    scopeLogs: { scope: OtlpScope; logRecords: OtlpLogRecord[] }[];
    schemaUrl?: string;
  }[];
}

/** `ExportTraceServiceRequest`. */
export interface OtlpTracesRequest {
  resourceSpans: {
    resource: OtlpResource;
    scopeSpans: { scope: OtlpScope; spans: OtlpSpan[] }[];
    schemaUrl?: string;
  }[];
}

/** Any of the three export requests. */
export type OtlpRequest = OtlpMetricsRequest | OtlpLogsRequest | OtlpTracesRequest;
