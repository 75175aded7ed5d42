/** Turns the engine's component counters into metric points (`ebpf_pipeline.*`). */
import type { Attributes, HrTime, MetricRecord, Resource, Scope } from '../../core/signals';
import type { ComponentTelemetry } from '../../core/telemetry';

/** Metric names, OpenTelemetry style; Prometheus shows them as `ebpf_pipeline_component_received_total` etc. */
export const SELF_METRICS = {
  received: 'ebpf_pipeline.component.received',
  sent: 'ebpf_pipeline.component.sent',
  refused: 'ebpf_pipeline.component.refused',
  dropped: 'ebpf_pipeline.component.dropped',
  folded: 'ebpf_pipeline.component.folded',
  queueSize: 'ebpf_pipeline.queue.size',
  queueCapacity: 'ebpf_pipeline.queue.capacity',
} as const;

const DESCRIPTIONS: Record<string, string> = {
  [SELF_METRICS.received]: 'Records that entered the component.',
  [SELF_METRICS.sent]: 'Records the component passed on (exporters: delivered).',
  [SELF_METRICS.refused]: 'Records refused by the component.',
  [SELF_METRICS.dropped]: 'Records dropped by the component, by reason.',
  [SELF_METRICS.folded]: 'Metric points folded into the overflow=true series by max_series.',
  [SELF_METRICS.queueSize]: 'Records waiting in the exporter queue or being exported.',
  [SELF_METRICS.queueCapacity]: 'Capacity of the exporter queue in records.',
};

/** Builds one snapshot of every component's counters. */
export function snapshotMetrics(
  components: ComponentTelemetry[],
  resource: Resource,
  scope: Scope,
  startTime: HrTime,
  time: HrTime,
): MetricRecord[] {
  const out: MetricRecord[] = [];
  const point = (name: string, type: 'sum' | 'gauge', attributes: Attributes, value: number): void => {
    out.push({
      resource, scope, name, description: DESCRIPTIONS[name], unit: '{record}', type,
      monotonic: type === 'sum' ? true : undefined, temporality: 'cumulative', valueType: 'int',
      attributes, startTime, time, value,
    });
  };
  for (const c of components) {
    const attributes: Attributes = { 'component.id': c.id, 'component.kind': c.kind };
    if (c.pipelineId) attributes['pipeline.id'] = c.pipelineId;
    point(SELF_METRICS.received, 'sum', attributes, c.received);
    point(SELF_METRICS.sent, 'sum', attributes, c.sent);
    point(SELF_METRICS.refused, 'sum', attributes, c.refused);
    for (const [reason, n] of c.dropped) point(SELF_METRICS.dropped, 'sum', { ...attributes, reason }, n);
    if (c.folded > 0) point(SELF_METRICS.folded, 'sum', attributes, c.folded);
    if (c.queueSize) point(SELF_METRICS.queueSize, 'gauge', attributes, c.queueSize());
    if (c.queueCapacity !== undefined) point(SELF_METRICS.queueCapacity, 'gauge', attributes, c.queueCapacity);
  }
  return out;
}
