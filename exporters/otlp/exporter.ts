/**
 * The `otlp` exporter: OTLP over gRPC through the official
 * `@opentelemetry/exporter-{trace,metrics,logs}-otlp-grpc` exporters.
 *
 * One `export()` is one gRPC call per resource (metrics) or one call
 * (logs, traces), bounded by `timeout`. In 0.223.0 the gRPC transport does
 * not retry by itself (otlp-exporter-base's RetryingTransport wraps only the
 * HTTP transports; the gRPC transport reports every error as a final
 * `failure`), so retries are the engine's `retry_on_failure` alone.
 */
import { ExportResultCode } from '@opentelemetry/core';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { ExportResult as SdkExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import type { CreateContext, Exporter, ExportResult } from '../../core/component';
import type { Batch, Signal } from '../../core/signals';
import { parseDuration } from '../../core/config/duration';
import { AGENT_VERSION } from '../../core/version';
import { toResourceMetrics } from '../otel/metrics';
import { toReadableLogRecords } from '../otel/logs';
import { toReadableSpans } from '../otel/spans';
import { DEFAULT_COMPRESSION, DEFAULT_TIMEOUT } from './config';
import type { OtlpConfig } from './config';
import { tryParseOtlpEndpoint } from './endpoint';
import type { OtlpEndpoint } from './endpoint';
import { createChannelCredentials, createMetadata, isPlaintext } from './credentials';
import { isRetryable } from './retryable';

/**
 * Extra time past `timeout` after which `export()` gives up waiting for the
 * SDK's callback. The gRPC deadline normally ends the call first; this only
 * guards against a callback that never comes.
 */
export const CALLBACK_GUARD_MS = 1000;

/** The options the three gRPC exporters take. */
type GrpcExporterOptions = NonNullable<ConstructorParameters<typeof OTLPTraceExporter>[0]>;

/** What the three SDK exporters have in common. */
interface SdkExporter<T> {
  export(items: T, resultCallback: (result: SdkExportResult) => void): void;
  shutdown(): Promise<void>;
}

/** Sends batches to an OTLP gRPC endpoint. */
export class OtlpExporter implements Exporter {
  private readonly endpoint: OtlpEndpoint;
  private readonly timeoutMs: number;
  private options?: GrpcExporterOptions;
  private traces?: OTLPTraceExporter;
  private metrics?: OTLPMetricExporter;
  private logs?: OTLPLogExporter;
  private stopped = false;

  constructor(private readonly config: OtlpConfig, private readonly ctx: CreateContext) {
    const endpoint = tryParseOtlpEndpoint(config.endpoint);
    if (!endpoint) throw new Error(`${ctx.id}: invalid endpoint "${config.endpoint}": expected host:port, http://host:port or https://host:port`);
    this.endpoint = endpoint;
    this.timeoutMs = parseDuration(config.timeout ?? DEFAULT_TIMEOUT);
  }

  /** Reads the TLS files; fails with a message naming the file when one cannot be read. Connections are made on first export. */
  async start(): Promise<void> {
    this.sdkOptions();
  }

  async export(batch: Batch): Promise<ExportResult> {
    if (this.stopped) return { ok: false, retryable: false, error: new Error(`${this.ctx.id}: export after shutdown`) };
    if (batch.records.length === 0) return { ok: true };
    try {
      switch (batch.signal) {
        case 'traces':
          return await this.send('traces', this.traceExporter(), toReadableSpans(batch.records));
        case 'logs':
          return await this.send('logs', this.logExporter(), toReadableLogRecords(batch.records));
        case 'metrics': {
          let skipped = 0;
          const all = toResourceMetrics(batch.records, () => skipped++);
          if (skipped > 0) {
            this.ctx.logger.warn({ component: this.ctx.id, skipped }, 'metric records without a value were not sent');
          }
          const exporter = this.metricExporter();
          for (const rm of all) {
            const result = await this.send('metrics', exporter, rm);
            if (!result.ok) return result;
          }
          return { ok: true, dropped: { invalid_record: skipped } };
        }
      }
    } catch (err) {
      // Conversion or configuration problems: the same batch would fail again.
      return { ok: false, retryable: false, error: this.wrap(batch.signal, err) };
    }
  }

  /** Shuts the SDK exporters down (waits for calls in flight, closes the gRPC channels). Safe twice. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const exporters: SdkExporter<never>[] = [this.traces, this.metrics, this.logs].filter((e) => e !== undefined);
    this.traces = this.metrics = this.logs = undefined;
    await Promise.all(exporters.map((e) => e.shutdown().catch(() => undefined)));
  }

  private sdkOptions(): GrpcExporterOptions {
    if (this.options === undefined) {
      let credentials;
      try {
        credentials = createChannelCredentials(this.config, this.endpoint, this.ctx.configDir);
      } catch (err) {
        throw new Error(`${this.ctx.id}: ${(err as Error).message}`);
      }
      this.options = {
        url: `${isPlaintext(this.config, this.endpoint) ? 'http' : 'https'}://${this.endpoint.address}`,
        credentials,
        metadata: createMetadata(this.config.headers),
        compression: (this.config.compression ?? DEFAULT_COMPRESSION) === 'gzip' ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
        timeoutMillis: this.timeoutMs,
        userAgent: `ebpf-pipeline/${AGENT_VERSION}`,
      };
    }
    return this.options;
  }

  private traceExporter(): OTLPTraceExporter {
    return (this.traces ??= new OTLPTraceExporter(this.sdkOptions()));
  }

  private metricExporter(): OTLPMetricExporter {
    return (this.metrics ??= new OTLPMetricExporter(this.sdkOptions()));
  }

  private logExporter(): OTLPLogExporter {
    return (this.logs ??= new OTLPLogExporter(this.sdkOptions()));
  }

  /** One SDK export call, settled within `timeout` + {@link CALLBACK_GUARD_MS}. */
  private send<T>(signal: Signal, exporter: SdkExporter<T>, items: T): Promise<ExportResult> {
    return new Promise<ExportResult>((resolve) => {
      let settled = false;
      const finish = (result: ExportResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        resolve(result);
      };
      const guardMs = this.timeoutMs + CALLBACK_GUARD_MS;
      const guard = setTimeout(() => {
        finish({ ok: false, retryable: true, error: this.wrap(signal, new Error(`no answer within ${guardMs} ms`)) });
      }, guardMs);
      try {
        exporter.export(items, (result) => {
          if (result.code === ExportResultCode.SUCCESS) finish({ ok: true });
          else {
            const err = result.error ?? new Error('export failed');
            finish({ ok: false, retryable: isRetryable(err), error: this.wrap(signal, err) });
          }
        });
      } catch (err) {
        finish({ ok: false, retryable: false, error: this.wrap(signal, err) });
      }
    });
  }

  private wrap(signal: Signal, err: unknown): Error {
    const message = err instanceof Error ? err.message : String(err);
    const wrapped = new Error(`${this.ctx.id}: ${signal} export to ${this.endpoint.address} failed: ${message}`, { cause: err });
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'number') Object.assign(wrapped, { code });
    return wrapped;
  }
}
