/**
 * The `otel_api` exporter: hands the pipeline's data to OpenTelemetry
 * providers of the application that embeds the agent.
 *
 * - traces: one API span per record (`startSpan` + events + status +
 *   `end(endTime)`). The API cannot set ids: every span gets a new span id.
 *   A span with a parent is started under a remote parent context made of
 *   the record's trace id and parent span id, so its trace id and parent id
 *   are kept; a root span gets a new trace id.
 * - logs: `logger.emit()` per record; trace and span ids are kept through
 *   the record's context.
 * - metrics: folded into cumulative state (as the `prometheus` exporter
 *   does) and reported through observable instruments when the host's
 *   readers collect; see {@link MetricInstruments}.
 *
 * Resources are the host providers' own: record resources are not carried.
 */
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import type { Context, MeterProvider, Tracer, TracerProvider } from '@opentelemetry/api';
import type { Logger as ApiLogger, LoggerProvider } from '@opentelemetry/api-logs';
import type { CreateContext, Exporter, ExportResult } from '../../core/component';
import type { Batch, LogRecord, MetricRecord, Scope, SpanRecord } from '../../core/signals';
import { parseDuration } from '../../core/config/duration';
import { toAnyValue, toAnyValueMap, toApiAttributes } from '../otel/attributes';
import { SeriesStore } from '../otel/series-store';
import type { OtelApiConfig } from './config';
import { DEFAULT_HISTOGRAMS, DEFAULT_MAX_SERIES, DEFAULT_METRIC_EXPIRATION } from './config';
import { MetricInstruments } from './metric-instruments';

/** The host application's providers; each one is optional. */
export interface HostProviders {
  meterProvider?: MeterProvider;
  tracerProvider?: TracerProvider;
  loggerProvider?: LoggerProvider;
}

/** How often export() sweeps expired series at most. */
export const EXPIRY_SWEEP_INTERVAL_MS = 1000;

/** Sends batches through host providers. */
export class OtelApiExporter implements Exporter {
  private readonly tracers = new WeakMap<Scope, Tracer>();
  private readonly loggers = new WeakMap<Scope, ApiLogger>();
  private readonly store?: SeriesStore;
  private readonly instruments?: MetricInstruments;
  private readonly dropHistograms: boolean;
  private lastSweep = 0;
  private stopped = false;

  constructor(config: OtelApiConfig, private readonly providers: HostProviders, private readonly ctx: CreateContext) {
    this.dropHistograms = (config.histograms ?? DEFAULT_HISTOGRAMS) === 'drop';
    if (providers.meterProvider) {
      this.store = new SeriesStore({
        maxSeries: config.max_series ?? DEFAULT_MAX_SERIES,
        expirationMs: parseDuration(config.metric_expiration ?? DEFAULT_METRIC_EXPIRATION),
      });
      this.instruments = new MetricInstruments(providers.meterProvider, this.store);
    }
  }

  async start(): Promise<void> {}

  async export(batch: Batch): Promise<ExportResult> {
    if (this.stopped) return { ok: false, retryable: false, error: new Error(`${this.ctx.id}: export after shutdown`) };
    try {
      switch (batch.signal) {
        case 'traces':
          return this.exportSpans(batch.records);
        case 'logs':
          return this.exportLogs(batch.records);
        case 'metrics':
          return this.exportMetrics(batch.records);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, retryable: false, error: new Error(`${this.ctx.id}: ${batch.signal} export failed: ${message}`, { cause: err }) };
    }
  }

  /** Stops accepting batches. The host owns its providers: they are neither flushed nor shut down here. */
  async shutdown(): Promise<void> {
    this.stopped = true;
  }

  private missing(what: string): ExportResult {
    return { ok: false, retryable: false, error: new Error(`${this.ctx.id}: the host application gave no ${what}`) };
  }

  private exportSpans(records: SpanRecord[]): ExportResult {
    const provider = this.providers.tracerProvider;
    if (!provider) return this.missing('tracerProvider');
    for (const r of records) {
      let tracer = this.tracers.get(r.scope);
      if (!tracer) {
        tracer = provider.getTracer(r.scope.name, r.scope.version);
        this.tracers.set(r.scope, tracer);
      }
      const parent: Context = r.parentSpanId
        ? trace.setSpanContext(ROOT_CONTEXT, { traceId: r.traceId, spanId: r.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: true })
        : ROOT_CONTEXT;
      const span = tracer.startSpan(
        r.name,
        { kind: r.kind, startTime: r.startTime, attributes: toApiAttributes(r.attributes), root: !r.parentSpanId },
        parent,
      );
      for (const e of r.events ?? []) span.addEvent(e.name, toApiAttributes(e.attributes ?? {}), e.time);
      if (r.status && r.status.code !== 0) {
        span.setStatus(r.status.message !== undefined ? { code: r.status.code, message: r.status.message } : { code: r.status.code });
      }
      span.end(r.endTime);
    }
    return { ok: true };
  }

  private exportLogs(records: LogRecord[]): ExportResult {
    const provider = this.providers.loggerProvider;
    if (!provider) return this.missing('loggerProvider');
    for (const r of records) {
      let logger = this.loggers.get(r.scope);
      if (!logger) {
        logger = provider.getLogger(r.scope.name, r.scope.version);
        this.loggers.set(r.scope, logger);
      }
      const context = r.traceId && r.spanId
        ? trace.setSpanContext(ROOT_CONTEXT, { traceId: r.traceId, spanId: r.spanId, traceFlags: TraceFlags.NONE, isRemote: true })
        : undefined;
      logger.emit({
        timestamp: r.time,
        attributes: toAnyValueMap(r.attributes),
        ...(r.observedTime ? { observedTimestamp: r.observedTime } : {}),
        ...(r.severityNumber !== undefined ? { severityNumber: r.severityNumber } : {}),
        ...(r.severityText !== undefined ? { severityText: r.severityText } : {}),
        ...(r.body !== undefined && r.body !== null ? { body: toAnyValue(r.body) } : {}),
        ...(r.eventName !== undefined ? { eventName: r.eventName } : {}),
        ...(context ? { context } : {}),
      });
    }
    return { ok: true };
  }

  private exportMetrics(records: MetricRecord[]): ExportResult {
    const store = this.store;
    const instruments = this.instruments;
    if (!store || !instruments) return this.missing('meterProvider');
    const now = Date.now();
    if (now - this.lastSweep >= EXPIRY_SWEEP_INTERVAL_MS) {
      this.lastSweep = now;
      store.expire(now);
    }
    let overLimit = 0;
    let invalid = 0;
    let histograms = 0;
    for (const r of records) {
      if (r.type === 'histogram' && this.dropHistograms) {
        histograms++;
        continue;
      }
      const outcome = store.apply(r, now);
      if (outcome === 'applied') instruments.ensure(r);
      else if (outcome === 'max_series') overLimit++;
      else invalid++;
    }
    return { ok: true, dropped: { max_series: overLimit, invalid_record: invalid, histogram_unsupported: histograms } };
  }
}
