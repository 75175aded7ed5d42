// @ts-check
/**
 * An application that already uses the OpenTelemetry JS SDK and embeds the
 * agent: the collector's pipelines export through the application's own
 * providers (the `otel_api` exporter), so whatever exporters the application
 * configured receive the data. Here those are the SDK's console exporters.
 *
 *   node examples/embed/app.js [recording.jsonl]   replay an OTLP/JSON lines file
 *   node examples/embed/app.js --selftelemetry     the agent's own counters
 *
 * Stop with Ctrl-C (SIGINT) or SIGTERM: the collector is stopped first (it
 * flushes into the providers), then the providers (they flush to the console).
 *
 * Environment: EMBED_METRIC_INTERVAL_MS (default 5000) sets how often the
 * application's metric reader collects.
 */
const { resolve } = require('node:path');
const { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { ConsoleLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { createCollector, isConfigError } = require('ebpf-pipeline');

/** The recording replayed when no path is given. */
const SAMPLE = resolve(__dirname, '..', '..', 'test', 'fixtures', 'replay', 'sample.jsonl');

/**
 * The collector's config, as an object of the same shape as the YAML file.
 * Every pipeline names `otel_api`, the exporter that hands data to the
 * providers given to createCollector (a pipeline must name at least one
 * exporter; when the providers are given, `otel_api` is also added to any
 * pipeline of a signal that has a provider).
 * @param {string[]} args
 * @returns {Record<string, unknown>}
 */
function collectorConfig(args) {
  if (args[0] === '--selftelemetry') {
    return {
      receivers: { selftelemetry: { collection_interval: '2s' } },
      exporters: { otel_api: {} },
      service: { pipelines: { metrics: { receivers: ['selftelemetry'], exporters: ['otel_api'] } } },
    };
  }
  const path = resolve(args[0] ?? SAMPLE);
  return {
    receivers: { replay: { path } },
    exporters: { otel_api: { histograms: 'count_sum' } },
    service: {
      pipelines: {
        metrics: { receivers: ['replay'], exporters: ['otel_api'] },
        logs: { receivers: ['replay'], exporters: ['otel_api'] },
        traces: { receivers: ['replay'], exporters: ['otel_api'] },
      },
    },
  };
}

/** The application's own OpenTelemetry SDK setup (SDK 2.x: processors and readers go in the constructor options). */
function setUpOpenTelemetry() {
  const resource = resourceFromAttributes({ 'service.name': 'embed-example' });
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] });
  const loggerProvider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() })] });
  const reader = new PeriodicExportingMetricReader({
    exporter: new ConsoleMetricExporter(),
    exportIntervalMillis: Number(process.env.EMBED_METRIC_INTERVAL_MS ?? 5000),
  });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  return {
    tracerProvider,
    loggerProvider,
    meterProvider,
    /** Flushes (a last metric collection included) and shuts every provider down. */
    shutdown: async () => {
      await Promise.all([tracerProvider.shutdown(), loggerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}

async function main() {
  const otel = setUpOpenTelemetry();
  const collector = createCollector({
    config: collectorConfig(process.argv.slice(2)),
    tracerProvider: otel.tracerProvider,
    loggerProvider: otel.loggerProvider,
    meterProvider: otel.meterProvider,
  });
  try {
    await collector.start();
  } catch (err) {
    // A bad config is a ConfigError naming the path and line in the inline config.
    process.stderr.write(`embed example: ${isConfigError(err) ? err.format() : String(err)}\n`);
    await otel.shutdown();
    process.exitCode = isConfigError(err) ? 2 : 1;
    return;
  }
  process.stderr.write('embed example: collector started; Ctrl-C to stop\n');

  // A running collector does not by itself keep Node's event loop alive (a
  // replay that reached the end of its file is idle, and the SDK's metric
  // reader timer is unref'd): this app runs until it is told to stop.
  const keepAlive = setInterval(() => {}, 1 << 30);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(keepAlive);
    await collector.stop(); // flushes the pipelines into the providers
    await otel.shutdown(); // the application owns its providers: it flushes and shuts them down
    process.stderr.write('embed example: stopped\n');
  };
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(signal, () => {
      stop().catch((err) => {
        process.stderr.write(`embed example: stop failed: ${String(err)}\n`);
        process.exitCode = 1;
      });
    });
  }
}

main().catch((err) => {
  process.stderr.write(`embed example: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
