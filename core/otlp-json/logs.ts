/** Log records to and from an OTLP/JSON `ExportLogsServiceRequest`. */
import type { LogRecord } from '../signals';
import type { OtlpLogRecord, OtlpLogsRequest } from './types';
import { decodeAnyValue, decodeAttributes, encodeAnyValue, encodeAttributes } from './any-value';
import { decodeId } from './ids';
import { decodeResource, decodeScope, encodeResource, encodeScope, groupByResourceAndScope } from './resource-scope';
import { asArray, asEnum, asObject, asString } from './shape';
import { hrTimeToNanos, isZeroTime, nanosToHrTime } from './time';

/** OTLP `SeverityNumber` names, index = value. */
const SEVERITY_NAMES = ['SEVERITY_NUMBER_UNSPECIFIED'];
for (const level of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']) {
  SEVERITY_NAMES.push(`SEVERITY_NUMBER_${level}`, `SEVERITY_NUMBER_${level}2`, `SEVERITY_NUMBER_${level}3`, `SEVERITY_NUMBER_${level}4`);
}

function encodeLogRecord(r: LogRecord): OtlpLogRecord {
  const out: OtlpLogRecord = {};
  if (!isZeroTime(r.time)) out.timeUnixNano = hrTimeToNanos(r.time);
  if (r.observedTime && !isZeroTime(r.observedTime)) out.observedTimeUnixNano = hrTimeToNanos(r.observedTime);
  if (r.severityNumber) out.severityNumber = r.severityNumber;
  if (r.severityText) out.severityText = r.severityText;
  if (r.body !== undefined) out.body = encodeAnyValue(r.body);
  const attributes = encodeAttributes(r.attributes);
  if (attributes.length > 0) out.attributes = attributes;
  if (r.traceId) out.traceId = r.traceId;
  if (r.spanId) out.spanId = r.spanId;
  if (r.eventName) out.eventName = r.eventName;
  return out;
}

/** Log records as a request, grouped by resource then scope. */
export function encodeLogsRequest(records: readonly LogRecord[]): OtlpLogsRequest {
  const request: OtlpLogsRequest = { resourceLogs: [] };
  for (const [resource, scopes] of groupByResourceAndScope(records)) {
    const entry: OtlpLogsRequest['resourceLogs'][number] = { resource: encodeResource(resource), scopeLogs: [] };
    if (resource.schemaUrl) entry.schemaUrl = resource.schemaUrl;
    for (const [scope, logs] of scopes) {
      entry.scopeLogs.push({ scope: encodeScope(scope), logRecords: logs.map(encodeLogRecord) });
    }
    request.resourceLogs.push(entry);
  }
  return request;
}

/** Reads the `resourceLogs` array of a request into log records (one Resource/Scope object per entry). */
export function decodeResourceLogs(json: unknown): LogRecord[] {
  const out: LogRecord[] = [];
  asArray(json, 'resourceLogs').forEach((rlItem, i) => {
    const rlPath = `resourceLogs[${i}]`;
    const rl = asObject(rlItem, rlPath);
    const resource = decodeResource(rl, rlPath);
    asArray(rl.scopeLogs, `${rlPath}.scopeLogs`).forEach((slItem, j) => {
      const slPath = `${rlPath}.scopeLogs[${j}]`;
      const sl = asObject(slItem, slPath);
      const scope = decodeScope(sl, slPath);
      asArray(sl.logRecords, `${slPath}.logRecords`).forEach((item, k) => {
        const path = `${slPath}.logRecords[${k}]`;
        const l = asObject(item, path);
        const r: LogRecord = { resource, scope, time: nanosToHrTime(l.timeUnixNano ?? '0'), attributes: {} };
        if (l.observedTimeUnixNano !== undefined) {
          const observed = nanosToHrTime(l.observedTimeUnixNano);
          if (!isZeroTime(observed)) r.observedTime = observed;
        }
        const severity = asEnum(l.severityNumber, SEVERITY_NAMES, `${path}.severityNumber`);
        if (severity) r.severityNumber = severity;
        const severityText = asString(l.severityText, `${path}.severityText`);
        if (severityText) r.severityText = severityText;
        if (l.body !== undefined && l.body !== null) r.body = decodeAnyValue(l.body, `${path}.body`);
        r.attributes = decodeAttributes(l.attributes, `${path}.attributes`);
        const traceId = decodeId(l.traceId, 16, `${path}.traceId`);
        if (traceId) r.traceId = traceId;
        const spanId = decodeId(l.spanId, 8, `${path}.spanId`);
        if (spanId) r.spanId = spanId;
        const eventName = asString(l.eventName, `${path}.eventName`);
        if (eventName) r.eventName = eventName;
        out.push(r);
      });
    });
  });
  return out;
}
