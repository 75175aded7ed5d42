/**
 * The `prometheus` exporter: serves the cumulative state of the metrics it
 * receives as a Prometheus text page.
 *
 * Built on `@opentelemetry/exporter-prometheus`: its `PrometheusExporter` (a
 * MetricReader) is bound to our own MetricProducer (the {@link SeriesStore})
 * with `setMetricProducer`, and renders the page (names, `_total`, `le`
 * buckets, `target_info`). We own the HTTP server and hand matching requests
 * to its `getMetricsRequestHandler`, which lets us listen on port 0, report
 * the bound address and fail start() with a clear message.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusExporter as SdkPrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { MetricProducer } from '@opentelemetry/sdk-metrics';
import type { CreateContext, Exporter, ExportResult } from '../../core/component';
import type { Batch } from '../../core/signals';
import { parseDuration } from '../../core/config/duration';
import { parseHostPort } from '../../core/config/hostport';
import type { HostPort } from '../../core/config/hostport';
import type { PrometheusConfig } from './config';
import { DEFAULT_ENDPOINT, DEFAULT_MAX_SERIES, DEFAULT_METRIC_EXPIRATION, DEFAULT_PATH } from './config';
import { SeriesStore } from '../otel/series-store';
import { prometheusLabeler } from './labels';

/** Plain words for the listen errors a user can fix. */
const LISTEN_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this host',
};

/** How often export() sweeps expired series at most (they are also swept at every scrape). */
export const EXPIRY_SWEEP_INTERVAL_MS = 1000;

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Serves `/metrics`. */
export class PrometheusExporter implements Exporter {
  private readonly listen: HostPort;
  private readonly path: string;
  private readonly store: SeriesStore;
  private readonly reader: SdkPrometheusExporter;
  private server?: Server;
  private lastSweep = 0;
  private stopped = false;

  constructor(config: PrometheusConfig, private readonly ctx: CreateContext) {
    this.listen = parseHostPort(config.endpoint ?? DEFAULT_ENDPOINT);
    this.path = config.path ?? DEFAULT_PATH;
    this.store = new SeriesStore({
      maxSeries: config.max_series ?? DEFAULT_MAX_SERIES,
      expirationMs: parseDuration(config.metric_expiration ?? DEFAULT_METRIC_EXPIRATION),
      labels: prometheusLabeler(config.resource_to_telemetry_conversion?.enabled === true),
    });
    this.reader = new SdkPrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
    const producer: MetricProducer = {
      collect: async () => {
        this.store.expire(Date.now());
        return { resourceMetrics: this.store.collect(this.ctx.resource), errors: [] };
      },
    };
    this.reader.setMetricProducer(producer);
  }

  /** Listens on the endpoint. Rejects with `<id>: cannot listen on <host:port>: address in use` and the like. */
  async start(): Promise<void> {
    if (this.server || this.stopped) return;
    const server = createServer((req, res) => this.handle(req, res));
    const where = `${formatHost(this.listen.host)}:${this.listen.port}`;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        const reason = (err.code && LISTEN_ERRORS[err.code]) ?? err.message;
        reject(new Error(`${this.ctx.id}: cannot listen on ${where}: ${reason}`, { cause: err }));
      });
      server.listen({ host: this.listen.host === '' ? undefined : this.listen.host, port: this.listen.port }, () => resolve());
    });
    server.on('error', (err) => this.ctx.logger.error({ component: this.ctx.id, err: err.message }, 'metrics server error'));
    this.server = server;
  }

  /** The URL of the metrics page (with the bound port), once listening. */
  endpoints(): string[] {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) return [];
    const host = this.listen.host === '' ? '0.0.0.0' : this.listen.host;
    return [`http://${formatHost(host)}:${address.port}${this.path}`];
  }

  /** Folds the points into the state. Points of new series beyond `max_series` are dropped and counted (`max_series`). */
  async export(batch: Batch): Promise<ExportResult> {
    if (batch.signal !== 'metrics') {
      return { ok: false, retryable: false, error: new Error(`${this.ctx.id}: accepts metrics only, got ${batch.signal}`) };
    }
    const now = Date.now();
    if (now - this.lastSweep >= EXPIRY_SWEEP_INTERVAL_MS) {
      this.lastSweep = now;
      this.store.expire(now);
    }
    let overLimit = 0;
    let invalid = 0;
    for (const record of batch.records) {
      const outcome = this.store.apply(record, now);
      if (outcome === 'max_series') overLimit++;
      else if (outcome === 'invalid') invalid++;
    }
    return { ok: true, dropped: { max_series: overLimit, invalid_record: invalid } };
  }

  /** Closes the server (open connections included). Safe before start and twice. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    await this.reader.shutdown().catch(() => undefined);
  }

  /** Number of series held (for tests and diagnostics). */
  seriesCount(): number {
    return this.store.size;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      res.statusCode = 400;
      res.end('Bad Request');
      return;
    }
    if (pathname === this.path && (req.method === 'GET' || req.method === 'HEAD')) {
      this.reader.getMetricsRequestHandler(req, res);
    } else {
      res.statusCode = 404;
      res.end();
    }
  }
}
