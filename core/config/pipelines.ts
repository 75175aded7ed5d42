/**
 * Resolves `service.pipelines`: pipeline ids, references to defined
 * components (a connector may stand under `receivers:` or `exporters:`),
 * signal support, and which components no pipeline uses.
 */
import type { ComponentKind } from '../component';
import { SIGNALS } from '../signals';
import type { Signal } from '../signals';
import type { DefinedComponent } from './components';
import { sectionOf } from './components';
import type { ConfigIssue } from './errors';
import type { ConnectorUse } from './connectors';
import type { PipelineConfig } from './model';
import { didYouMean } from './suggest';
import type { YamlSource } from './yaml-source';

/** Defined components of each kind, by id. */
export type DefinedComponents = Record<ComponentKind, Map<string, DefinedComponent>>;

const PIPELINE_ID = /^([^/]*)(?:\/(.*))?$/;
const NAME_PATTERN = /^[0-9a-zA-Z_.-]+$/;
/** The kinds a pipeline lists, in its `receivers:`, `processors:` and `exporters:`. */
type ListedKind = 'receiver' | 'processor' | 'exporter';
const KINDS: readonly ListedKind[] = ['receiver', 'processor', 'exporter'];

/**
 * Resolves every pipeline. Pushes problems to `issues`, marks each
 * referenced component id in `used` (as `kind:id`) and records where each
 * connector is used in `connectorUses`.
 */
export function resolvePipelines(
  pipelines: Record<string, unknown>,
  defined: DefinedComponents,
  source: YamlSource,
  issues: ConfigIssue[],
  used: Set<string>,
  connectorUses: ConnectorUse[] = [],
): PipelineConfig[] {
  const out: PipelineConfig[] = [];
  for (const [id, raw] of Object.entries(pipelines)) {
    const path = ['service', 'pipelines', id];
    const signal = parsePipelineId(id, path, source, issues);
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) continue; // reported by the file schema
    const body = raw as Record<string, unknown>;
    const pipeline: PipelineConfig = { id, signal: signal ?? 'metrics', receivers: [], processors: [], exporters: [] };
    for (const kind of KINDS) {
      const listKey = sectionOf(kind) as 'receivers' | 'processors' | 'exporters';
      const list = body[listKey];
      if (!Array.isArray(list)) continue;
      list.forEach((ref: unknown, i) => {
        if (typeof ref !== 'string') return; // reported by the file schema
        const at = [...path, listKey, i];
        if (pipeline[listKey].includes(ref)) {
          issues.push(source.issueAt(at, `pipeline "${id}" lists ${kind} "${ref}" more than once`, 'remove the repeated entry'));
          return;
        }
        pipeline[listKey].push(ref);
        const connector = defined[kind].has(ref) ? undefined : defined.connector.get(ref);
        if (connector && kind !== 'processor') {
          used.add(`connector:${ref}`);
          connectorUses.push({ connector: ref, pipeline: id, side: kind, at });
          checkConnectorSignal(kind, ref, id, signal, connector, at, source, issues);
          return;
        }
        used.add(`${kind}:${ref}`);
        const alsoValid = kind === 'processor' ? [] : [...defined.connector.values()].filter((d) => d.factory).map((d) => d.id);
        checkReference(kind, ref, id, signal, defined[kind], at, source, issues, alsoValid);
      });
    }
    if (signal) out.push(pipeline);
  }
  return out;
}

function parsePipelineId(id: string, path: string[], source: YamlSource, issues: ConfigIssue[]): Signal | undefined {
  const [, signal, name] = PIPELINE_ID.exec(id) ?? [];
  if (!(SIGNALS as readonly string[]).includes(signal)) {
    const suggestion = didYouMean(signal, SIGNALS);
    const rule = 'a pipeline id is metrics, logs or traces, optionally followed by /name (e.g. logs/security)';
    issues.push(source.issueAt(path, `unknown pipeline signal "${signal}"`, suggestion ? `${suggestion} ${rule}` : rule, 'key'));
    return undefined;
  }
  if (name !== undefined && !NAME_PATTERN.test(name)) {
    issues.push(source.issueAt(path, `invalid pipeline id "${id}": name after "/" must be non-empty and match ${NAME_PATTERN.source}`, 'write the id as signal or signal/name', 'key'));
    return undefined;
  }
  return signal as Signal;
}

/** A connector under `exporters:` must accept the pipeline's signal; under `receivers:`, emit it. */
function checkConnectorSignal(
  side: 'receiver' | 'exporter',
  ref: string,
  pipelineId: string,
  signal: Signal | undefined,
  connector: DefinedComponent,
  at: (string | number)[],
  source: YamlSource,
  issues: ConfigIssue[],
): void {
  const factory = connector.factory;
  if (!signal || !factory || factory.kind !== 'connector') return;
  const supported = side === 'exporter' ? factory.signals : factory.emits;
  if (supported.includes(signal)) return;
  const verb = side === 'exporter' ? 'accept' : 'emit';
  issues.push(source.issueAt(
    at,
    `connector "${ref}" does not ${verb} ${signal} (it ${verb}s ${supported.join(', ')}), so it cannot be ${side === 'exporter' ? 'an exporter' : 'a receiver'} of pipeline "${pipelineId}"`,
    `list it under ${sectionOf(side)}: of a ${supported.join(' or ')} pipeline`,
  ));
}

function checkReference(
  kind: ComponentKind,
  ref: string,
  pipelineId: string,
  signal: Signal | undefined,
  defined: Map<string, DefinedComponent>,
  at: (string | number)[],
  source: YamlSource,
  issues: ConfigIssue[],
  /** Other ids the list may name (connectors, under receivers: and exporters:), for the suggestion. */
  alsoValid: readonly string[] = [],
): void {
  const section = sectionOf(kind);
  const component = defined.get(ref);
  if (!component) {
    const suggestion = didYouMean(ref, [...[...defined.values()].filter((d) => d.factory).map((d) => d.id), ...alsoValid]);
    const add = `add "${ref}:" under ${section}:`;
    issues.push(source.issueAt(at, `pipeline "${pipelineId}" names ${kind} "${ref}" which is not defined under ${section}:`, suggestion ? `${suggestion} or ${add}` : add));
    return;
  }
  const supported = component.factory?.signals;
  if (signal && supported && !supported.includes(signal)) {
    issues.push(
      source.issueAt(at, `${kind} "${ref}" does not support ${signal} (supports: ${supported.join(', ')})`, `remove it from pipeline "${pipelineId}" or use it in a ${supported.join(' or ')} pipeline`),
    );
  }
}

/** Warnings for components defined but listed in no pipeline. */
export function unusedComponents(defined: DefinedComponents, used: ReadonlySet<string>, source: YamlSource): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const kind of KINDS) {
    for (const id of defined[kind].keys()) {
      if (!used.has(`${kind}:${id}`)) {
        out.push(source.issueAt([sectionOf(kind), id], `${kind} "${id}" is defined but not used in any pipeline`, 'add it to a pipeline under service.pipelines or remove it', 'key'));
      }
    }
  }
  return out;
}
