/** Alert log records: what a rule emits when it fires. */
import type { Attributes, HrTime, LogRecord, Resource } from '../../core/signals';
import { AGENT_VERSION } from '../../core/version';
import type { CompiledRule } from './compiled-rule';
import { renderTemplate } from './output';
import { PRIORITY_SEVERITY } from './priority';

/** Event name of alerts from event and sequence rules. */
export const SECURITY_ALERT = 'security.alert';
/** Event name of alerts from count and baseline rules. */
export const ANOMALY_ALERT = 'anomaly.alert';
/** The instrumentation scope of alerts. */
export const ALERT_SCOPE = { name: 'ebpf-pipeline/processor/anomaly', version: AGENT_VERSION };

/** A record's time in milliseconds since the epoch (the observed time when `time` is zero). */
export function recordTimeMs(record: LogRecord): number {
  const t = record.time[0] === 0 && record.time[1] === 0 && record.observedTime ? record.observedTime : record.time;
  return t[0] * 1000 + t[1] / 1e6;
}

/** Milliseconds since the epoch as {@link HrTime}. */
export function msToHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/** What an alert is about. */
export interface AlertInput {
  rule: CompiledRule;
  /** The event that raised it (its attributes are copied into the alert). */
  trigger?: LogRecord;
  /** Attributes when there is no trigger (a baseline key that went quiet). */
  attributes?: Attributes;
  /** Alert-specific attributes (`anomaly.value`, ...); they win over the event's. */
  extra?: Attributes;
  time: HrTime;
  resource: Resource;
}

/**
 * Builds an alert: event name `security.alert` (event, sequence rules) or
 * `anomaly.alert` (count, baseline), `security_rule.*` attributes, severity
 * from the priority, the rendered output as body, and the triggering event's
 * attributes (its own `event.name` kept as `trigger.event.name`).
 */
export function makeAlert(input: AlertInput): LogRecord {
  const { rule, trigger, extra } = input;
  const eventName = rule.kind === 'count' || rule.kind === 'baseline' ? ANOMALY_ALERT : SECURITY_ALERT;
  const base = trigger?.attributes ?? input.attributes ?? {};
  const severity = PRIORITY_SEVERITY[rule.priority];
  const attributes: Attributes = { ...base, ...extra };
  const body = renderTemplate(rule.output, attributes);
  if (trigger?.eventName !== undefined) attributes['trigger.event.name'] = trigger.eventName;
  attributes['event.name'] = eventName;
  attributes['security_rule.name'] = rule.name;
  attributes['security_rule.category'] = rule.category;
  if (rule.description) attributes['security_rule.description'] = rule.description;
  if (rule.tags.length > 0) attributes['security_rule.tags'] = [...rule.tags];
  return {
    resource: input.resource,
    scope: ALERT_SCOPE,
    time: input.time,
    observedTime: input.time,
    severityNumber: severity.number,
    severityText: severity.text,
    body,
    attributes,
    eventName,
  };
}
