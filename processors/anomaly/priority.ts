/** Rule priorities (the syslog levels Falco uses) and their OpenTelemetry severities. */

/** Every priority, most severe first. `info` is accepted as a short form of `informational`. */
export const PRIORITIES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'info', 'debug'] as const;

/** A rule priority. */
export type Priority = (typeof PRIORITIES)[number];

/** Default priority of a rule that sets none. */
export const DEFAULT_PRIORITY: Priority = 'warning';

/** OpenTelemetry severity number and text of each priority. */
export const PRIORITY_SEVERITY: Readonly<Record<Priority, { number: number; text: string }>> = {
  emergency: { number: 24, text: 'EMERGENCY' }, // FATAL4
  alert: { number: 23, text: 'ALERT' }, // FATAL3
  critical: { number: 21, text: 'CRITICAL' }, // FATAL
  error: { number: 17, text: 'ERROR' }, // ERROR
  warning: { number: 13, text: 'WARNING' }, // WARN
  notice: { number: 10, text: 'NOTICE' }, // INFO2
  informational: { number: 9, text: 'INFORMATIONAL' }, // INFO
  info: { number: 9, text: 'INFORMATIONAL' }, // INFO
  debug: { number: 5, text: 'DEBUG' }, // DEBUG
};
