/**
 * Runs a compiled schema over config data and turns ajv's errors into
 * problems located in the YAML file, with messages a user can act on.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ConfigIssue } from './errors';
import { FORMAT_DESCRIPTIONS } from './ajv';
import { didYouMean } from './suggest';
import type { YamlPath, YamlSource } from './yaml-source';

/**
 * Validates `data` in place (defaults are filled in) and returns its problems.
 * `base` is the YAML path of `data` in the file, e.g. `['receivers', 'replay']`.
 */
export function schemaIssues(validate: ValidateFunction, data: unknown, base: YamlPath, source: YamlSource): ConfigIssue[] {
  if (validate(data)) return [];
  const issues = relevantErrors(validate.errors ?? []).map((e) => errorIssue(e, data, base, source));
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\0${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Turns a JSON pointer (`/a/0/b`) into path segments, using the data to tell
 * sequence indices from map keys.
 */
export function pointerToPath(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '' || pointer === '/') return [];
  const out: (string | number)[] = [];
  let node = data;
  for (const raw of pointer.replace(/^\//, '').split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      out.push(Number(seg));
      node = node[Number(seg)];
    } else {
      out.push(seg);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

/** Drops errors that only restate others: branches of a failed anyOf/oneOf, and `if`. */
function relevantErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf' || (e.keyword === 'oneOf' && !e.params.passingSchemas));
  return errors.filter((e) => {
    if (e.keyword === 'if') return false;
    return !unions.some((u) => u !== e && e.schemaPath.startsWith(`${u.schemaPath}/`));
  });
}

function errorIssue(e: ErrorObject, root: unknown, base: YamlPath, source: YamlSource): ConfigIssue {
  const path = [...base, ...pointerToPath(e.instancePath, root)];
  const got = describeValue(e.data);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const key = String(p.missingProperty);
      const description = propertyDescription(e.parentSchema, key);
      return source.issueAt(path, `missing required key "${key}"`, `add "${key}:"${description ? ` (${description})` : ''}`, 'key');
    }
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = Object.keys(asRecord(asRecord(e.parentSchema).properties));
      const hint = didYouMean(key, allowed) ?? (allowed.length > 0 ? `allowed keys: ${allowed.join(', ')}` : 'no keys are allowed here');
      return source.issueAt([...path, key], `unknown key "${key}"`, hint, 'key');
    }
    case 'type':
      return source.issueAt(path, `must be ${typeList(p.type)}, got ${got}`);
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]) ?? [];
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed.filter((v): v is string => typeof v === 'string')) : undefined;
      return source.issueAt(path, `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}; got ${got}`, hint);
    }
    case 'const':
      return source.issueAt(path, `must be ${JSON.stringify(p.allowedValue)}, got ${got}`);
    case 'format': {
      const format = String(p.format);
      return source.issueAt(path, `must be ${FORMAT_DESCRIPTIONS[format] ?? `a valid ${format}`}, got ${got}`);
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return source.issueAt(path, `must be ${String(p.comparison)} ${String(p.limit)}, got ${got}`);
    case 'multipleOf':
      return source.issueAt(path, `must be a multiple of ${String(p.multipleOf)}, got ${got}`);
    case 'minLength':
      return source.issueAt(path, `must be at least ${plural(p.limit, 'character')} long, got ${got}`);
    case 'maxLength':
      return source.issueAt(path, `must be at most ${plural(p.limit, 'character')} long, got ${got}`);
    case 'minItems':
      return source.issueAt(path, `must list at least ${plural(p.limit, 'item')}`);
    case 'maxItems':
      return source.issueAt(path, `must list at most ${plural(p.limit, 'item')}`);
    case 'minProperties':
      return source.issueAt(path, `must have at least ${plural(p.limit, 'entry', 'entries')}`);
    case 'maxProperties':
      return source.issueAt(path, `must have at most ${plural(p.limit, 'entry', 'entries')}`);
    case 'pattern':
      return source.issueAt(path, `must match ${String(p.pattern)}, got ${got}`);
    case 'uniqueItems':
      return source.issueAt(path, `must not repeat items (items ${String(p.j)} and ${String(p.i)} are equal)`);
    case 'anyOf':
    case 'oneOf': {
      const branches = Array.isArray(e.schema) ? e.schema.map(describeSchema) : [];
      if (e.keyword === 'oneOf' && p.passingSchemas) return source.issueAt(path, `must match exactly one of: ${branches.join('; ')}, but matches several`);
      return source.issueAt(path, `must be ${branches.join(' or ')}, got ${got}`);
    }
    default:
      return source.issueAt(path, `${e.message ?? `fails ${e.keyword}`}, got ${got}`);
  }
}

/** `string "abc"`, `number 5`, `boolean true`, `null`, `a list`, `a mapping`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function typeName(type: string): string {
  if (type === 'object') return 'a mapping';
  if (type === 'array') return 'a list';
  return type;
}

function typeList(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  return types.map((t) => typeName(String(t))).join(' or ');
}

function describeSchema(schema: unknown): string {
  const s = asRecord(schema);
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if ('const' in s) return JSON.stringify(s.const);
  if (s.type !== undefined) {
    const format = typeof s.format === 'string' ? ` (${FORMAT_DESCRIPTIONS[s.format] ?? s.format})` : '';
    return `${typeList(s.type)}${format}`;
  }
  return 'a value of another form';
}

function propertyDescription(parentSchema: unknown, key: string): string | undefined {
  const prop = asRecord(asRecord(asRecord(parentSchema).properties)[key]);
  return typeof prop.description === 'string' ? prop.description : undefined;
}

function plural(n: unknown, word: string, words = `${word}s`): string {
  return `${String(n)} ${Number(n) === 1 ? word : words}`;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}
