/** Whole export requests: one {@link Batch} to one request, one request line to batches. */
import type { Batch } from '../signals';
import type { OtlpRequest } from './types';
import type { DecodeOptions } from './options';
import { decodeResourceMetrics, encodeMetricsRequest } from './metrics';
import { decodeResourceLogs, encodeLogsRequest } from './logs';
import { decodeResourceSpans, encodeTracesRequest } from './traces';
import { asObject } from './shape';

/**
 * A batch as an OTLP/JSON export request object (`{resourceMetrics}`,
 * `{resourceLogs}` or `{resourceSpans}`), records grouped by their Resource
 * object, then Scope object (and, for metrics, by metric).
 */
export function encodeRequest(batch: Batch): OtlpRequest {
  switch (batch.signal) {
    case 'metrics':
      return encodeMetricsRequest(batch.records);
    case 'logs':
      return encodeLogsRequest(batch.records);
    case 'traces':
      return encodeTracesRequest(batch.records);
  }
}

/**
 * One parsed line of an OTLP/JSON file (as the Collector's file exporter and
 * ours write them) as batches: one per top-level key present
 * (`resourceMetrics`, `resourceLogs`, `resourceSpans`), empty ones left out.
 * Each `resourceX`/`scopeX` entry gets its own shared Resource/Scope object.
 * Throws an Error naming the JSON path when the line is not a valid request.
 */
export function decodeRequestLine(json: unknown, options: DecodeOptions = {}): Batch[] {
  const request = asObject(json, 'request');
  if (request.resourceMetrics === undefined && request.resourceLogs === undefined && request.resourceSpans === undefined) {
    throw new Error('not an OTLP/JSON export request: expected resourceMetrics, resourceLogs or resourceSpans');
  }
  const batches: Batch[] = [];
  if (request.resourceMetrics !== undefined) {
    const records = decodeResourceMetrics(request.resourceMetrics, options);
    if (records.length > 0) batches.push({ signal: 'metrics', records });
  }
  if (request.resourceLogs !== undefined) {
    const records = decodeResourceLogs(request.resourceLogs);
    if (records.length > 0) batches.push({ signal: 'logs', records });
  }
  if (request.resourceSpans !== undefined) {
    const records = decodeResourceSpans(request.resourceSpans);
    if (records.length > 0) batches.push({ signal: 'traces', records });
  }
  return batches;
}
