/** Reading receiver output in kernel tests: metric points by name and attributes, and a sleep. */
import type { Attributes, MetricRecord } from '../../core/signals';

function matches(attributes: Attributes, match: Attributes): boolean {
  return Object.entries(match).every(([k, v]) => attributes[k] === v);
}

/** The points of `name` whose attributes include `match`. */
export function points(metrics: MetricRecord[], name: string, match: Attributes = {}): MetricRecord[] {
  return metrics.filter((m) => m.name === name && matches(m.attributes, match));
}

/** The summed value of the sum points of `name` matching `match` (0 when there are none). */
export function total(metrics: MetricRecord[], name: string, match: Attributes = {}): number {
  return points(metrics, name, match).reduce((n, m) => n + (m.value ?? 0), 0);
}

/** Sleeps. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
