/** The labels of a Prometheus series. */
import type { Attributes as ApiAttributes } from '@opentelemetry/api';
import type { SeriesLabeler } from '../otel/series-store';
import { toSdkResource } from '../otel/resource';

/** Label carrying the instrumentation scope name, as `@opentelemetry/exporter-prometheus` names it. */
export const SCOPE_NAME_LABEL = 'otel_scope_name';
/** Label carrying the instrumentation scope version. */
export const SCOPE_VERSION_LABEL = 'otel_scope_version';

/**
 * Labels of a series: the point attributes (sorted), then, when
 * `resourceLabels`, the resource attributes the point does not have (sorted),
 * then `otel_scope_name` and `otel_scope_version`. Scope labels are added
 * here rather than by the package's serializer, which would write one metric
 * family per scope and so repeat `# TYPE` lines for a name two scopes share.
 */
export function prometheusLabeler(resourceLabels: boolean): SeriesLabeler {
  return (attributes, resource, scope) => {
    const labels: ApiAttributes = { ...attributes };
    if (resourceLabels) {
      const resAttrs = toSdkResource(resource).attributes;
      for (const k of Object.keys(resAttrs).sort()) if (!(k in labels)) labels[k] = resAttrs[k];
    }
    labels[SCOPE_NAME_LABEL] = scope.name;
    if (scope.version) labels[SCOPE_VERSION_LABEL] = scope.version;
    return labels;
  };
}
