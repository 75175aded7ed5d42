/**
 * Resource and instrumentation scope conversion, cached per source object.
 *
 * The OTLP serializers group records by the *identity* of their resource and
 * scope objects, so every record that shares one of our `Resource`/`Scope`
 * objects must map to the very same SDK object. The caches are `WeakMap`s:
 * an entry lives as long as our object does.
 */
import type { InstrumentationScope } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource as SdkResource } from '@opentelemetry/resources';
import type { Attributes } from '@opentelemetry/api';
import type { Resource, Scope } from '../../core/signals';
import { toApiAttributes } from './attributes';

/** An SDK instrumentation scope with the optional attributes OTLP carries. */
export type SdkScope = InstrumentationScope & { attributes?: Attributes };

const resources = new WeakMap<Resource, SdkResource>();
const scopes = new WeakMap<Scope, SdkScope>();

/** The `@opentelemetry/resources` resource for one of ours (built once per object). */
export function toSdkResource(resource: Resource): SdkResource {
  let sdk = resources.get(resource);
  if (!sdk) {
    const options = resource.schemaUrl ? { schemaUrl: resource.schemaUrl } : undefined;
    sdk = resourceFromAttributes(toApiAttributes(resource.attributes), options);
    resources.set(resource, sdk);
  }
  return sdk;
}

/** The SDK instrumentation scope for one of ours (built once per object). */
export function toSdkScope(scope: Scope): SdkScope {
  let sdk = scopes.get(scope);
  if (!sdk) {
    const hasAttributes = scope.attributes !== undefined && Object.keys(scope.attributes).length > 0;
    sdk = {
      name: scope.name,
      ...(scope.version !== undefined ? { version: scope.version } : {}),
      ...(hasAttributes ? { attributes: toApiAttributes(scope.attributes ?? {}) } : {}),
    };
    scopes.set(scope, sdk);
  }
  return sdk;
}
