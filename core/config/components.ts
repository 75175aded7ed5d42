/**
 * Resolves one component section (`receivers:`, `processors:`, `exporters:`, `connectors:`):
 * ids, factory lookup, engine-level keys, schema validation with defaults,
 * and the factory's own `validate`.
 */
import type { ComponentFactory, ComponentKind } from '../component';
import { COMPONENT_TYPE_PATTERN } from '../registry';
import type { Registry } from '../registry';
import { compileSchema } from './ajv';
import type { ConfigIssue } from './errors';
import { EXPORTER_HELPER_KEYS, EXPORTER_HELPER_SCHEMA } from './exporter-helper';
import type { ComponentConfig } from './model';
import { describeValue, pointerToPath, schemaIssues } from './schema-validate';
import { didYouMean } from './suggest';
import type { YamlSource } from './yaml-source';

/** A component defined in the file, valid or not. */
export interface DefinedComponent {
  id: string;
  /** The factory, when the type is known. */
  factory?: ComponentFactory;
  /** The resolved config, when the id and type are valid. */
  component?: ComponentConfig;
}

const NAME_PATTERN = /^[0-9a-zA-Z_.-]+$/;

/** The YAML section name of a kind: `receivers`, ... */
export function sectionOf(kind: ComponentKind): 'receivers' | 'processors' | 'exporters' | 'connectors' {
  return `${kind}s`;
}

/** Splits `type[/name]`; returns a problem text when malformed. */
export function parseComponentId(id: string): { type: string; name?: string } | { error: string } {
  const slash = id.indexOf('/');
  const type = slash < 0 ? id : id.slice(0, slash);
  const name = slash < 0 ? undefined : id.slice(slash + 1);
  if (!COMPONENT_TYPE_PATTERN.test(type)) return { error: `type "${type}" must match ${COMPONENT_TYPE_PATTERN.source}` };
  if (name !== undefined && !NAME_PATTERN.test(name)) return { error: `name after "/" must be non-empty and match ${NAME_PATTERN.source}` };
  return name === undefined ? { type } : { type, name };
}

/**
 * Resolves every component of one section. Pushes problems to `issues`;
 * returns every defined id (also invalid ones, so pipelines do not report
 * them again as undefined).
 */
export function resolveSection(
  kind: ComponentKind,
  section: Record<string, unknown>,
  registry: Registry,
  source: YamlSource,
  issues: ConfigIssue[],
  configDir: string = process.cwd(),
): Map<string, DefinedComponent> {
  const defined = new Map<string, DefinedComponent>();
  const sectionName = sectionOf(kind);
  for (const [id, raw] of Object.entries(section)) {
    const path = [sectionName, id];
    const parsed = parseComponentId(id);
    if ('error' in parsed) {
      issues.push(source.issueAt(path, `invalid ${kind} id "${id}": ${parsed.error}`, 'write the id as type or type/name', 'key'));
      defined.set(id, { id });
      continue;
    }
    const factory = registry.get(kind, parsed.type);
    if (!factory) {
      issues.push(source.issueAt(path, `unknown ${kind} type "${parsed.type}"`, unknownTypeHint(kind, parsed.type, registry), 'key'));
      defined.set(id, { id });
      continue;
    }
    const component = resolveComponent(kind, id, parsed.type, factory, raw, source, issues, configDir);
    defined.set(id, component ? { id, factory, component } : { id, factory });
  }
  return defined;
}

function unknownTypeHint(kind: ComponentKind, type: string, registry: Registry): string {
  const known = registry.types(kind);
  if (known.length === 0) return `no ${kind} types are registered; list the plugin that provides it under plugins:`;
  const suggestion = didYouMean(type, known);
  const list = `known ${kind} types: ${known.join(', ')}`;
  return suggestion ? `${suggestion} ${list}` : list;
}

function resolveComponent(
  kind: ComponentKind,
  id: string,
  type: string,
  factory: ComponentFactory,
  raw: unknown,
  source: YamlSource,
  issues: ConfigIssue[],
  configDir: string,
): ComponentConfig | undefined {
  const path = [sectionOf(kind), id];
  if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    issues.push(source.issueAt(path, `must be a mapping, got ${describeValue(raw)}`, `write the ${kind}'s settings as key: value lines, or {} for none`));
    return undefined;
  }
  const data: Record<string, unknown> = raw === null ? {} : structuredClone(raw as Record<string, unknown>);
  const before = issues.length;
  const result: ComponentConfig = { kind, id, type, config: data };

  if (kind === 'receiver' && 'optional' in data) {
    if (typeof data.optional === 'boolean') result.optional = data.optional;
    else issues.push(source.issueAt([...path, 'optional'], `must be boolean, got ${describeValue(data.optional)}`));
    delete data.optional;
  }
  if (kind === 'receiver') result.optional ??= false;

  const helper: Record<string, unknown> = {};
  if (kind === 'exporter') {
    for (const key of EXPORTER_HELPER_KEYS) {
      if (key in data) helper[key] = data[key];
      delete data[key];
    }
    issues.push(...schemaIssues(compileSchema(EXPORTER_HELPER_SCHEMA), helper, path, source));
  }

  let validate;
  try {
    validate = compileSchema(factory.schema);
  } catch (err) {
    issues.push(source.issueAt(path, `the config schema of ${kind} type "${type}" is invalid: ${(err as Error).message}`, 'this is a bug in the component; report it to its author', 'key'));
    return undefined;
  }
  issues.push(...schemaIssues(validate, data, path, source));
  Object.assign(data, helper);
  if (issues.length > before) return undefined;

  issues.push(...factoryIssues(factory, data, path, source, configDir));
  if (issues.length > before) return undefined;
  const reason = probeReceiver(factory, data);
  if (reason !== undefined) {
    if (result.optional) result.unavailable = reason;
    else {
      issues.push(source.issueAt(path, `receiver "${id}" cannot run here: ${reason}`, 'fix that, or mark the receiver optional: true to start without it', 'key'));
      return undefined;
    }
  }
  return result;
}

/** Asks a receiver factory whether it can run here; a throwing probe counts as "cannot". */
function probeReceiver(factory: ComponentFactory, config: Record<string, unknown>): string | undefined {
  if (factory.kind !== 'receiver' || !factory.probe) return undefined;
  try {
    return factory.probe(config);
  } catch (err) {
    return `probe failed: ${(err as Error).message}`;
  }
}

function factoryIssues(factory: ComponentFactory, config: Record<string, unknown>, path: string[], source: YamlSource, configDir: string): ConfigIssue[] {
  if (!factory.validate) return [];
  try {
    return factory.validate(config, { configDir }).map((p) => source.issueAt([...path, ...pointerToPath(p.path, config)], p.message));
  } catch (err) {
    return [source.issueAt(path, `${factory.kind} "${path[1]}" could not be validated: ${(err as Error).message}`, undefined, 'key')];
  }
}
