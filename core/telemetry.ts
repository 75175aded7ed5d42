/**
 * The engine's own counters. Every component counts what it received, sent,
 * refused and dropped (by reason); exporter queues add their length and
 * capacity. The `selftelemetry` receiver turns these into metrics.
 */
import type { ComponentKind } from './component';

/** Counters of one component instance. Plain numbers: cheap to bump on the hot path. */
export class ComponentTelemetry {
  /** Records that entered the component. */
  received = 0;
  /** Records the component passed on (or, for exporters, delivered). */
  sent = 0;
  /** Records refused by a downstream error that was not retried. */
  refused = 0;
  /** Metric points folded into the `overflow=true` series by a `max_series` limit (kept, not dropped). */
  folded = 0;
  /** Records dropped, by reason (`queue_full`, `filtered`, `export_failed`, ...). */
  readonly dropped = new Map<string, number>();
  /** Current queue length in records, for components with a queue. */
  queueSize?: () => number;
  /** Queue capacity in records, for components with a queue. */
  queueCapacity?: number;

  constructor(
    /** Full component id (`type[/name]`). */
    readonly id: string,
    readonly kind: ComponentKind,
    /** The pipeline, for per-pipeline instances (processors). */
    readonly pipelineId?: string,
  ) {}

  /** Adds `n` records dropped for `reason`. */
  drop(reason: string, n: number): void {
    if (n > 0) this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + n);
  }

  /** All dropped records, every reason. */
  droppedTotal(): number {
    let total = 0;
    for (const n of this.dropped.values()) total += n;
    return total;
  }
}

/** Holds every component's counters for one engine. */
export class TelemetryRegistry {
  private readonly items = new Map<string, ComponentTelemetry>();

  /**
   * Returns the counters for a component instance, creating them on first use.
   * Counters survive a config reload, so exported totals stay cumulative.
   */
  forComponent(id: string, kind: ComponentKind, pipelineId?: string): ComponentTelemetry {
    const key = `${kind}|${id}|${pipelineId ?? ''}`;
    let t = this.items.get(key);
    if (!t) {
      t = new ComponentTelemetry(id, kind, pipelineId);
      this.items.set(key, t);
    }
    return t;
  }

  /** Every component's counters, in creation order. */
  all(): ComponentTelemetry[] {
    return [...this.items.values()];
  }
}
