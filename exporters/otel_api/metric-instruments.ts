/**
 * Observable instruments on a host `MeterProvider` that report the current
 * cumulative state of a {@link SeriesStore}.
 *
 * One meter per record scope (name, version); one instrument per metric
 * name and kind, created when its first series appears:
 * - monotonic sum: observable counter
 * - non-monotonic sum: observable up-down counter
 * - gauge: observable gauge
 * - histogram: observable counters `<name>.count` and `<name>.sum`
 * Every callback observes the series of its scope with their attributes.
 */
import type { Attributes, Meter, MeterProvider, ObservableResult } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import type { MetricRecord } from '../../core/signals';
import type { Family, Series, SeriesStore } from '../otel/series-store';

type Kind = 'counter' | 'updown' | 'gauge' | 'histogram';

function kindOf(type: Family['type'], monotonic: boolean): Kind {
  if (type === 'histogram') return 'histogram';
  if (type === 'gauge') return 'gauge';
  return monotonic ? 'counter' : 'updown';
}

/** Keeps one set of instruments per (scope, metric name, kind). */
export class MetricInstruments {
  private readonly registered = new Set<string>();
  private readonly meters = new Map<string, Meter>();

  constructor(private readonly provider: MeterProvider, private readonly store: SeriesStore) {}

  /** Makes sure the instruments for this record's metric exist. */
  ensure(r: MetricRecord): void {
    const kind = kindOf(r.type, r.type === 'sum' && r.monotonic === true);
    const scopeKey = `${r.scope.name}\u0000${r.scope.version ?? ''}`;
    const key = `${scopeKey}\u0000${r.name}\u0000${kind}`;
    if (this.registered.has(key)) return;
    this.registered.add(key);
    let meter = this.meters.get(scopeKey);
    if (!meter) {
      meter = this.provider.getMeter(r.scope.name, r.scope.version);
      this.meters.set(scopeKey, meter);
    }
    const options = { description: r.description ?? '', unit: r.unit ?? '', valueType: r.valueType === 'int' ? ValueType.INT : ValueType.DOUBLE };
    const observeAll = (result: ObservableResult<Attributes>, value: (s: Series) => number): void => {
      const family = this.store.getFamily(r.name);
      if (!family || kindOf(family.type, family.monotonic) !== kind) return;
      for (const s of family.series.values()) {
        if (s.scope.name === r.scope.name && (s.scope.version ?? '') === (r.scope.version ?? '')) result.observe(value(s), s.labels);
      }
    };
    switch (kind) {
      case 'counter':
        meter.createObservableCounter(r.name, options).addCallback((res) => observeAll(res, (s) => s.value));
        break;
      case 'updown':
        meter.createObservableUpDownCounter(r.name, options).addCallback((res) => observeAll(res, (s) => s.value));
        break;
      case 'gauge':
        meter.createObservableGauge(r.name, options).addCallback((res) => observeAll(res, (s) => s.value));
        break;
      case 'histogram':
        meter
          .createObservableCounter(`${r.name}.count`, { description: options.description, unit: '{count}', valueType: ValueType.INT })
          .addCallback((res) => observeAll(res, (s) => s.histogram?.count ?? 0));
        meter
          .createObservableCounter(`${r.name}.sum`, { description: options.description, unit: options.unit, valueType: ValueType.DOUBLE })
          .addCallback((res) => observeAll(res, (s) => s.histogram?.sum ?? 0));
        break;
    }
  }
}
