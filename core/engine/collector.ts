/**
 * A collector: config loading, the running {@link Service}, reload. The CLI
 * and the embedding API both drive one of these.
 */
import { stringify } from 'yaml';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { LoggerProvider } from '@opentelemetry/api-logs';
import type { ResolvedConfig } from '../config/model';
import { loadConfigFile, loadConfigText } from '../config/load';
import { Registry } from '../registry';
import { registerBuiltins } from '../builtins';
import { silentLogger, type Logger } from '../logger';
import { TelemetryRegistry } from '../telemetry';
import { agentResource } from './resource';
import { Service } from './service';
import { loadPlugins } from './plugins';
import { routeLibbpfLog } from './libbpf-log';
import { addHostExporter, HOST_EXPORTER_ID } from './host-exporter';
import { createOtelApiExporterFactory } from '../../exporters/otel_api';

/** Options of {@link createCollector}. */
export interface CollectorOptions {
  /** The config as YAML text or as an object of the same shape. Exclusive with `configPath`. */
  config?: string | Record<string, unknown>;
  /** Path of a YAML config file. Exclusive with `config`. */
  configPath?: string;
  /** The host application's providers: when given, the collector's data also flows through them. */
  meterProvider?: MeterProvider;
  tracerProvider?: TracerProvider;
  loggerProvider?: LoggerProvider;
  /** A pino logger; silent by default when embedded. */
  logger?: Logger;
  /** Keep the logger's level even when the config sets `service.telemetry.logs.level`. */
  keepLogLevel?: boolean;
  /** Environment for `${env:NAME}` expansion; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
}

/** A validated config and the registry (built-ins + its plugins) it was checked against. */
interface Loaded {
  config: ResolvedConfig;
  registry: Registry;
}

/** A collector instance: start it, stop it, reload its config. */
export class Collector {
  private service?: Service;
  private current?: Loaded;
  private readonly logger: Logger;
  private readonly telemetry = new TelemetryRegistry();
  private readonly resource = agentResource();

  constructor(private readonly options: CollectorOptions) {
    if ((options.config === undefined) === (options.configPath === undefined)) {
      throw new Error('createCollector: pass exactly one of `config` and `configPath`');
    }
    this.logger = options.logger ?? silentLogger();
  }

  /** Loads and validates the config without starting anything; throws a ConfigError listing every problem. */
  async load(): Promise<ResolvedConfig> {
    return (await this.loadWithRegistry()).config;
  }

  private async loadWithRegistry(): Promise<Loaded> {
    const registry = this.registry();
    const opts = { env: this.options.env, loadPlugins: (paths: string[]) => loadPlugins(paths, registry) };
    const { config, configPath } = this.options;
    let resolved: ResolvedConfig;
    if (configPath !== undefined) resolved = await loadConfigFile(configPath, registry, opts);
    else resolved = await loadConfigText(typeof config === 'string' ? config : stringify(config), '<inline>', registry, opts);
    if (this.hasHostProviders()) addHostExporter(resolved, this.options);
    return { config: resolved, registry };
  }

  /** Loads the config and starts every pipeline. */
  async start(): Promise<void> {
    if (this.service) throw new Error('collector already started');
    const loaded = await this.loadWithRegistry();
    if (loaded.config.logLevel && !this.options.keepLogLevel) this.logger.level = loaded.config.logLevel;
    for (const warning of loaded.config.warnings) this.logger.warn(warning);
    for (const r of loaded.config.receivers.values()) {
      if (r.unavailable !== undefined) this.logger.warn({ receiver: r.id, reason: r.unavailable }, `optional receiver ${r.id} cannot run here; starting without it`);
    }
    await this.run(loaded);
  }

  /** Flushes and stops every pipeline. Safe twice and before start. */
  async stop(): Promise<void> {
    const service = this.service;
    this.service = undefined;
    await service?.shutdown();
    routeLibbpfLog(null);
  }

  /**
   * Re-reads the config. If it is invalid, the running pipelines keep going
   * and the error is thrown. If valid, the old pipelines are flushed and
   * stopped (nothing queued is lost) and the new ones started; if the new
   * ones fail to start, the old config is started again.
   */
  async reload(): Promise<void> {
    const next = await this.loadWithRegistry();
    const previous = this.current;
    await this.stop();
    try {
      await this.run(next);
    } catch (err) {
      if (previous) await this.run(previous);
      throw err;
    }
  }

  /** Addresses the exporters listen on. */
  endpoints(): string[] {
    return this.service?.endpoints() ?? [];
  }

  /** The running config, once started. */
  get config(): ResolvedConfig | undefined {
    return this.current?.config;
  }

  /** The engine's counters of every component (cumulative across reloads). */
  get counters(): TelemetryRegistry {
    return this.telemetry;
  }

  private async run(loaded: Loaded): Promise<void> {
    const { config, registry } = loaded;
    routeLibbpfLog(this.logger);
    const service = new Service(config, { registry, logger: this.logger, telemetry: this.telemetry, resource: this.resource });
    await service.start();
    this.service = service;
    this.current = loaded;
  }

  private hasHostProviders(): boolean {
    const { meterProvider, tracerProvider, loggerProvider } = this.options;
    return Boolean(meterProvider ?? tracerProvider ?? loggerProvider);
  }

  private registry(): Registry {
    const registry = registerBuiltins(new Registry());
    if (this.hasHostProviders()) {
      const { meterProvider, tracerProvider, loggerProvider } = this.options;
      registry.register(createOtelApiExporterFactory({ meterProvider, tracerProvider, loggerProvider }));
    }
    return registry;
  }
}

/** Creates a collector (the embedding API). Nothing runs until `start()`. */
export function createCollector(options: CollectorOptions): Collector {
  return new Collector(options);
}

export { HOST_EXPORTER_ID };
