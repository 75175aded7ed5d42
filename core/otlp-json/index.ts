/**
 * The OTLP/JSON codec (proto3 JSON mapping of the OTLP export requests),
 * written from the spec: used by the file exporter, the replay receiver and
 * the debug exporter's detailed output.
 */
export { encodeRequest, decodeRequestLine } from './request';
export { encodeMetricsRequest, decodeResourceMetrics } from './metrics';
export { encodeLogsRequest, decodeResourceLogs } from './logs';
export { encodeTracesRequest, decodeResourceSpans } from './traces';
export { encodeAnyValue, encodeAttributes, decodeAnyValue, decodeAttributes } from './any-value';
export { hrTimeToNanos, hrTimeToBigNanos, nanosToHrTime, isZeroTime } from './time';
export type { DecodeOptions, UnsupportedMetric } from './options';
export type {
  OtlpAnyValue,
  OtlpKeyValue,
  OtlpResource,
  OtlpScope,
  OtlpNumberDataPoint,
  OtlpHistogramDataPoint,
  OtlpMetric,
  OtlpLogRecord,
  OtlpSpanEvent,
  OtlpSpan,
  OtlpMetricsRequest,
  OtlpLogsRequest,
  OtlpTracesRequest,
  OtlpRequest,
} from './types';
