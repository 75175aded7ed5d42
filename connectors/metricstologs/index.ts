/** The `metricstologs` connector factory. */
import { filter, map } from 'rxjs';
import { defineConnector } from '../../core/component';
import type { Connector, CreateContext } from '../../core/component';
import type { Batch, LogRecord } from '../../core/signals';
import { DEFAULT_MAX_SERIES, metricsToLogsSchema, type MetricsToLogsConfig } from './config';
import { PointConverter, type ConverterStats } from './convert';

/** A metricstologs connector instance, with its counters. */
export interface MetricsToLogsConnector extends Connector {
  /** Evictions and resets, summed over the subscriptions of the operator. */
  stats(): ConverterStats;
}

function createMetricsToLogs(config: MetricsToLogsConfig, ctx: CreateContext): MetricsToLogsConnector {
  const only = new Set(config.metrics ?? []);
  const maxSeries = config.max_series ?? DEFAULT_MAX_SERIES;
  const converters: PointConverter[] = [];
  const stats = (): ConverterStats => ({
    evictions: converters.reduce((n, c) => n + c.stats.evictions, 0),
    resets: converters.reduce((n, c) => n + c.stats.resets, 0),
  });
  let reported = false;
  return {
    operator: (source) => {
      const converter = new PointConverter(maxSeries);
      converters.push(converter);
      return source.pipe(
        map((batch): Batch => {
          if (batch.signal !== 'metrics') {
            // The config check feeds a connector only the signals it accepts; count anything else rather than lose it silently.
            ctx.telemetry.drop('unsupported_signal', batch.records.length);
            return { signal: 'logs', records: [] };
          }
          const records: LogRecord[] = [];
          let filtered = 0;
          for (const point of batch.records) {
            if (only.size > 0 && !only.has(point.name)) filtered++;
            else records.push(converter.convert(point));
          }
          ctx.telemetry.drop('filtered', filtered);
          return { signal: 'logs', records };
        }),
        filter((batch) => batch.records.length > 0),
      );
    },
    stats,
    async shutdown() {
      if (reported) return;
      reported = true;
      const { evictions, resets } = stats();
      ctx.logger.info({ component: ctx.id, evictions, resets }, `${ctx.id}: ${evictions} series evicted (max_series), ${resets} counter resets`);
    },
  };
}

/** Turns metric points into `metric.point` log records (value, delta and rate per series), so log rules can watch metrics. */
export const metricsToLogsConnectorFactory = defineConnector<MetricsToLogsConfig>({
  type: 'metricstologs',
  signals: ['metrics'],
  emits: ['logs'],
  schema: metricsToLogsSchema,
  description: 'turns metric data points into metric.point log records (value, delta, rate) for rules in a logs pipeline',
  create: createMetricsToLogs,
});
