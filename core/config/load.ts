/**
 * Loads a config file: YAML with line numbers, `${env:...}` expansion,
 * plugins, per-component schema validation with defaults, and pipeline
 * checks. Every problem of the file is collected before one
 * {@link ConfigError} is thrown.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ComponentKind } from '../component';
import type { LogLevel } from '../logger';
import type { Registry } from '../registry';
import { compileSchema } from './ajv';
import { resolveSection } from './components';
import { checkConnectors, type ConnectorUse } from './connectors';
import type { DefinedComponent } from './components';
import { expandEnv } from './env';
import { ConfigError, formatIssue } from './errors';
import type { ConfigIssue } from './errors';
import { CONFIG_FILE_SCHEMA } from './file-schema';
import type { ComponentConfig, ResolvedConfig } from './model';
import { resolvePipelines, unusedComponents } from './pipelines';
import type { DefinedComponents } from './pipelines';
import { loadPlugins, resolvePlugins } from './plugins';
import { describeValue, schemaIssues } from './schema-validate';
import { YamlSource } from './yaml-source';

/** Options of {@link loadConfigFile} and {@link loadConfigText}. */
export interface LoadOptions {
  /** Environment for `${env:NAME}`; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Loads plugin modules (absolute paths) so their factories are in the
   * registry. Called once per `plugins:` entry, before any component is
   * validated; what it throws becomes a problem on that `plugins[i]`.
   */
  loadPlugins?(paths: string[]): Promise<void>;
  /** Directory that relative plugin paths start from; defaults to the config file's directory (or the cwd for text). */
  baseDir?: string;
}

/**
 * Reads, validates and resolves a config file. Throws {@link ConfigError}
 * (every problem of the file, exit code 2) when it cannot be used, including
 * when the file cannot be read.
 */
export async function loadConfigFile(path: string, registry: Registry, opts: LoadOptions = {}): Promise<ResolvedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file: path, path: '', message: `cannot read config file ${path}: ${(err as Error).message}`, hint: 'check the path given with --config' }]);
  }
  const absolute = resolve(path);
  return load(text, path, absolute, registry, { ...opts, baseDir: opts.baseDir ?? dirname(absolute) });
}

/**
 * Validates and resolves config text. `source` names it in problems and in
 * `ResolvedConfig.source` (e.g. `<inline>`).
 */
export async function loadConfigText(text: string, source: string, registry: Registry, opts: LoadOptions = {}): Promise<ResolvedConfig> {
  return load(text, source, source, registry, opts);
}

async function load(text: string, label: string, absolute: string, registry: Registry, opts: LoadOptions): Promise<ResolvedConfig> {
  const src = new YamlSource(text, label);
  const issues: ConfigIssue[] = src.parseIssues();
  if (src.fatal) throw new ConfigError(issues);
  const envIssues = expandEnv(src, opts.env ?? process.env);
  issues.push(...envIssues);

  const data = src.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    issues.push(src.issueAt([], `the config must be a mapping with receivers:, exporters: and service:, got ${describeValue(data)}`, 'see configs/default.yaml for an example'));
    throw new ConfigError(sortIssues(issues));
  }
  const root = data as Record<string, unknown>;
  issues.push(...schemaIssues(compileSchema(CONFIG_FILE_SCHEMA), root, [], src));

  const configDir = opts.baseDir ?? process.cwd();
  const plugins = Array.isArray(root.plugins) ? resolvePlugins(root.plugins, opts.baseDir ?? process.cwd(), src, issues) : [];
  if (opts.loadPlugins && plugins.length > 0) await loadPlugins(plugins, opts.loadPlugins.bind(opts), src, issues);

  const defined: DefinedComponents = {
    receiver: resolveSectionIfMap('receiver', root.receivers, registry, src, issues, configDir),
    processor: resolveSectionIfMap('processor', root.processors, registry, src, issues, configDir),
    exporter: resolveSectionIfMap('exporter', root.exporters, registry, src, issues, configDir),
    connector: resolveSectionIfMap('connector', root.connectors, registry, src, issues, configDir),
  };
  const service = asMap(root.service);
  const used = new Set<string>();
  const connectorUses: ConnectorUse[] = [];
  const pipelines = resolvePipelines(asMap(service?.pipelines) ?? {}, defined, src, issues, used, connectorUses);
  checkConnectors(defined, connectorUses, pipelines, src, issues);

  if (issues.length > 0) throw new ConfigError(sortIssues(withoutEnvFollowUps(issues, envIssues)));
  const warnings = [...src.parseWarnings(), ...unusedComponents(defined, used, src)];
  const config: ResolvedConfig = {
    source: absolute,
    receivers: components(defined.receiver),
    processors: components(defined.processor),
    exporters: components(defined.exporter),
    connectors: components(defined.connector),
    pipelines,
    plugins: plugins.map((p) => p.path),
    warnings: sortIssues(warnings).map(formatIssue),
  };
  const level = asMap(asMap(service?.telemetry)?.logs)?.level;
  if (level !== undefined) config.logLevel = level as LogLevel;
  return config;
}

/** Drops problems at a path whose env expansion already failed (they only restate it). */
function withoutEnvFollowUps(issues: ConfigIssue[], envIssues: ConfigIssue[]): ConfigIssue[] {
  const envPaths = new Set(envIssues.map((i) => i.path));
  const env = new Set(envIssues);
  return issues.filter((i) => env.has(i) || !envPaths.has(i.path));
}

function resolveSectionIfMap(kind: ComponentKind, section: unknown, registry: Registry, src: YamlSource, issues: ConfigIssue[], configDir: string): Map<string, DefinedComponent> {
  const map = asMap(section);
  return map ? resolveSection(kind, map, registry, src, issues, configDir) : new Map();
}

function components(defined: Map<string, DefinedComponent>): Map<string, ComponentConfig> {
  const out = new Map<string, ComponentConfig>();
  for (const [id, d] of defined) if (d.component) out.set(id, d.component);
  return out;
}

function asMap(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** File-level problems first, then by line and column; stable otherwise. */
function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => (a.issue.line ?? 0) - (b.issue.line ?? 0) || (a.issue.column ?? 0) - (b.issue.column ?? 0) || a.i - b.i)
    .map((x) => x.issue);
}
