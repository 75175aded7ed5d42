/** Resource and scope: grouping records by them, and their OTLP/JSON form. */
import type { Resource, Scope } from '../signals';
import type { OtlpResource, OtlpScope } from './types';
import { decodeAttributes, encodeAttributes } from './any-value';
import { asObject, asOptionalObject, asString } from './shape';

/** Records grouped by their Resource object, then Scope object, in first-seen order. */
export type ResourceScopeGroups<R> = Map<Resource, Map<Scope, R[]>>;

/** Groups records by resource then scope object identity, keeping first-seen order. */
export function groupByResourceAndScope<R extends { resource: Resource; scope: Scope }>(records: readonly R[]): ResourceScopeGroups<R> {
  const groups: ResourceScopeGroups<R> = new Map();
  for (const record of records) {
    let scopes = groups.get(record.resource);
    if (!scopes) groups.set(record.resource, (scopes = new Map()));
    let list = scopes.get(record.scope);
    if (!list) scopes.set(record.scope, (list = []));
    list.push(record);
  }
  return groups;
}

/** A Resource as OTLP/JSON (`{}` when it has no attributes). */
export function encodeResource(resource: Resource): OtlpResource {
  const attributes = encodeAttributes(resource.attributes);
  return attributes.length > 0 ? { attributes } : {};
}

/** A Scope as OTLP/JSON, empty fields left out. */
export function encodeScope(scope: Scope): OtlpScope {
  const out: OtlpScope = {};
  if (scope.name) out.name = scope.name;
  if (scope.version) out.version = scope.version;
  if (scope.attributes) {
    const attributes = encodeAttributes(scope.attributes);
    if (attributes.length > 0) out.attributes = attributes;
  }
  return out;
}

/** Reads a `resourceX` entry's resource and schema URL into a new Resource object. */
export function decodeResource(entry: Record<string, unknown>, path: string): Resource {
  const resource = asOptionalObject(entry.resource, `${path}.resource`);
  const out: Resource = { attributes: decodeAttributes(resource.attributes, `${path}.resource.attributes`) };
  const schemaUrl = asString(entry.schemaUrl, `${path}.schemaUrl`);
  if (schemaUrl) out.schemaUrl = schemaUrl;
  return out;
}

/** Reads a `scopeX` entry's scope into a new Scope object (the scope's schema URL is not kept). */
export function decodeScope(entry: Record<string, unknown>, path: string): Scope {
  const scope = entry.scope === undefined ? {} : asObject(entry.scope, `${path}.scope`);
  const out: Scope = { name: asString(scope.name, `${path}.scope.name`) };
  const version = asString(scope.version, `${path}.scope.version`);
  if (version) out.version = version;
  if (scope.attributes !== undefined) {
    const attributes = decodeAttributes(scope.attributes, `${path}.scope.attributes`);
    if (Object.keys(attributes).length > 0) out.attributes = attributes;
  }
  return out;
}
