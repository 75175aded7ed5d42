/**
 * Loads and checks rules: rule files (YAML lists of `rule:`, `macro:` and
 * `list:` items) and inline items. Every problem names where it is (file,
 * line and column for a rule file), the rule, and for a bad condition the
 * expression and the position in it. Used by `validate` (config time) and by
 * `create` (which then gets a rule set that is known to load).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigProblem } from '../../core/component';
import { compileSchema } from '../../core/config/ajv';
import { parseDuration } from '../../core/config/duration';
import { formatIssue, type ConfigIssue } from '../../core/config/errors';
import { schemaIssues } from '../../core/config/schema-validate';
import { YamlSource, formatYamlPath, type YamlPath } from '../../core/config/yaml-source';
import { EXPRESSION_VARIABLES, ExpressionError, SPAN_KIND_CONSTANTS, compileExpression } from '../../core/expression';
import type { CompiledExpression } from '../../core/expression';
import type { CompiledRule, RuleCommon, RuleSet } from './compiled-rule';
import { guardByEventName } from './event-names';
import { compileException, type ExceptionMatcher } from './exceptions';
import { MacroCycleError, expandCondition, originalPosition, type Definitions, type ListValue } from './expand';
import { parseTemplate } from './output';
import { DEFAULT_PRIORITY } from './priority';
import {
  DEFAULT_AGGREGATE,
  DEFAULT_ALPHA,
  DEFAULT_K,
  DEFAULT_MIN_DEVIATION,
  DEFAULT_SEQUENCE_BY,
  DEFAULT_WARMUP,
  listItemSchema,
  macroItemSchema,
  ruleItemSchema,
  type ListItem,
  type MacroItem,
  type RuleItem,
} from './rule-schema';

/** What the loader reads: the `rule_files` and `rules` of the processor config. */
export interface RuleSources {
  rule_files?: readonly string[];
  rules?: readonly unknown[];
}

/** The outcome of loading: a rule set when there is no problem. */
export interface LoadResult {
  ruleSet?: RuleSet;
  problems: ConfigProblem[];
}

/** Names a macro or list may not take: CEL keywords, types, and the expression variables. */
const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let',
  'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
  'int', 'uint', 'double', 'string', 'bytes', 'bool', 'list', 'map', 'type', 'dyn', 'null_type', 'has',
  ...Object.keys(EXPRESSION_VARIABLES),
  ...Object.keys(SPAN_KIND_CONSTANTS),
]);

/** One source of items: a rule file or the inline `rules:`. */
interface ItemSource {
  /** JSON pointer of the source in the processor config. */
  pointer: string;
  items: unknown[];
  /** For rule files: the parsed file, to locate problems by line. */
  yaml?: YamlSource;
}

interface Located<T> {
  source: ItemSource;
  index: number;
  item: T;
}

/** Collects problems, located in a rule file or in the inline rules. */
class Problems {
  readonly list: ConfigProblem[] = [];

  /** A problem of item `index` of `source`, at `sub` inside it. */
  at(source: ItemSource, index: number, sub: YamlPath, message: string, hint?: string): void {
    this.add(source, (source.yaml ?? INLINE).issueAt([index, ...sub], message, hint, sub.length === 0 ? 'key' : 'value'));
  }

  /** A problem already located (schema errors). */
  add(source: ItemSource, issue: ConfigIssue): void {
    if (source.yaml) {
      this.list.push({ path: source.pointer, message: formatIssue(issue) });
      return;
    }
    // Inline: the config loader locates the pointer; the message keeps the path inside the item.
    const [index, ...rest] = parsePath(issue.path);
    const inner = formatYamlPath(rest);
    const hint = issue.hint ? `; ${issue.hint}` : '';
    this.list.push({ path: `${source.pointer}/${index}`, message: `${inner ? `${inner}: ` : ''}${issue.message}${hint}` });
  }
}

/** A source with no text, for inline items (problems carry paths only). */
const INLINE = new YamlSource('', '<inline>');

function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)) out.push(m[1] !== undefined ? Number(m[1]) : m[2]);
  return out;
}

/** Reads the rule files and inline items; a file that cannot be read or parsed is a problem. */
function readSources(config: RuleSources, configDir: string, problems: Problems): ItemSource[] {
  const sources: ItemSource[] = [];
  for (const [i, file] of (config.rule_files ?? []).entries()) {
    const pointer = `/rule_files/${i}`;
    const path = resolve(configDir, file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      problems.list.push({ path: pointer, message: `cannot read rule file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; check the path (relative paths start at the config file's directory)` });
      continue;
    }
    const yaml = new YamlSource(text, path);
    const parseIssues = yaml.parseIssues();
    if (parseIssues.length > 0) {
      for (const issue of parseIssues) problems.list.push({ path: pointer, message: formatIssue(issue) });
      continue;
    }
    const data = yaml.toJS();
    if (data === null || data === undefined) continue;
    if (!Array.isArray(data)) {
      problems.list.push({ path: pointer, message: formatIssue(yaml.issueAt([], 'a rule file must be a list of rule:, macro: and list: items')) });
      continue;
    }
    sources.push({ pointer, items: data, yaml });
  }
  if (config.rules && config.rules.length > 0) sources.push({ pointer: '/rules', items: structuredClone([...config.rules]) });
  return sources;
}

type ItemKind = 'rule' | 'macro' | 'list';
const ITEM_KINDS: readonly ItemKind[] = ['rule', 'macro', 'list'];
const ITEM_SCHEMAS = { rule: ruleItemSchema, macro: macroItemSchema, list: listItemSchema } as const;

/** Sorts valid items by kind; schema problems are reported with the item's name. */
function sortItems(sources: ItemSource[], problems: Problems): { rules: Located<RuleItem>[]; macros: Located<MacroItem>[]; lists: Located<ListItem>[] } {
  const out = { rules: [] as Located<RuleItem>[], macros: [] as Located<MacroItem>[], lists: [] as Located<ListItem>[] };
  for (const source of sources) {
    source.items.forEach((item, index) => {
      const kinds = item !== null && typeof item === 'object' && !Array.isArray(item) ? ITEM_KINDS.filter((k) => k in item) : [];
      if (kinds.length !== 1) {
        const what = kinds.length === 0 ? 'is not a rule:, macro: or list: item' : `has ${kinds.map((k) => `${k}:`).join(' and ')}; an item is one of them`;
        problems.at(source, index, [], `item ${what}`, 'start each item with "- rule: NAME", "- macro: NAME" or "- list: NAME"');
        return;
      }
      const kind = kinds[0];
      const name = (item as Record<string, unknown>)[kind];
      const validate = compileSchema(ITEM_SCHEMAS[kind]);
      const issues = schemaIssues(validate, item, [index], source.yaml ?? INLINE);
      if (issues.length > 0) {
        const label = typeof name === 'string' ? `${kind} "${name}": ` : '';
        for (const issue of issues) problems.add(source, { ...issue, message: label + issue.message });
        return;
      }
      if (kind === 'rule') out.rules.push({ source, index, item: item as RuleItem });
      else if (kind === 'macro') out.macros.push({ source, index, item: item as MacroItem });
      else out.lists.push({ source, index, item: item as ListItem });
    });
  }
  return out;
}

function checkName(name: string, what: string, seen: Map<string, string>, at: (message: string, hint?: string) => void): boolean {
  if (RESERVED_NAMES.has(name)) {
    at(`${what} name "${name}" is reserved (a CEL keyword, type or expression variable)`, 'rename it');
    return false;
  }
  const before = seen.get(name);
  if (before !== undefined) {
    at(`${what} "${name}" is defined twice (first as a ${before})`, 'rename one; lists and macros share one name space');
    return false;
  }
  seen.set(name, what);
  return true;
}

/** Resolves lists (an item naming another list is replaced by its items). */
function resolveLists(lists: Located<ListItem>[], seen: Map<string, string>, problems: Problems): Map<string, ListValue[]> {
  const raw = new Map<string, ListValue[]>();
  for (const { source, index, item } of lists) {
    if (checkName(item.list, 'list', seen, (m, h) => problems.at(source, index, ['list'], m, h))) raw.set(item.list, item.items as ListValue[]);
  }
  const resolved = new Map<string, ListValue[]>();
  const expand = (name: string, stack: string[]): ListValue[] => {
    const done = resolved.get(name);
    if (done) return done;
    const out: ListValue[] = [];
    for (const v of raw.get(name) ?? []) {
      if (typeof v === 'string' && raw.has(v) && !stack.includes(v)) out.push(...expand(v, [...stack, v]));
      else out.push(v);
    }
    resolved.set(name, out);
    return out;
  };
  for (const name of raw.keys()) expand(name, [name]);
  return resolved;
}

/** Compiles a condition with macros and lists expanded; a problem text instead when it does not compile. */
function compileCondition(text: string, defs: Definitions, what: string, macro?: string): { compiled: CompiledExpression } | { problem: string } {
  let expanded;
  try {
    expanded = expandCondition(text, defs, macro === undefined ? [] : [macro]);
  } catch (err) {
    if (err instanceof MacroCycleError) return { problem: `${what}: ${err.message}` };
    throw err;
  }
  let compiled: CompiledExpression;
  try {
    compiled = compileExpression(expanded.source);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    const { position, inside } = originalPosition(err.position, expanded.expansions);
    const summary = inside ? `${err.summary} (inside ${inside.kind} "${inside.name}")` : err.summary;
    const located = new ExpressionError({ expression: text, position, summary, code: err.code, phase: err.phase });
    return { problem: `${what}: invalid CEL expression: ${located.message}` };
  }
  if (compiled.resultType !== 'bool' && compiled.resultType !== 'dyn') {
    return { problem: `${what}: must be a bool, but "${text}" is a ${compiled.resultType}` };
  }
  return { compiled: guardByEventName(compiled, expanded.source) };
}

function defaultOutput(item: RuleItem): string {
  const what = (m: { value?: string; aggregate?: string } | undefined): string =>
    m?.value === undefined ? '%{anomaly.value} events' : `${m.aggregate ?? DEFAULT_AGGREGATE} of ${m.value} %{anomaly.value}`;
  if (item.count?.rate_gt !== undefined) return `${item.rule}: ${item.count.value === undefined ? 'events' : item.count.value} at %{anomaly.value}/s over %{anomaly.window}s (more than %{anomaly.threshold}/s)`;
  if (item.count) return `${item.rule}: ${what(item.count)} in %{anomaly.window}s (more than %{anomaly.threshold})`;
  if (item.baseline) return `${item.rule}: ${what(item.baseline)} in %{anomaly.window}s, baseline %{anomaly.baseline} (deviation %{anomaly.deviation})`;
  return item.desc ?? item.rule;
}

/** Checks `value:`/`aggregate:` of a count or baseline rule; a problem text when they do not fit. */
function measureProblem(m: { value?: string; aggregate?: string }): { sub: string; problem: string } | undefined {
  if (m.value === undefined && m.aggregate !== undefined && m.aggregate !== 'sum') {
    return { sub: 'aggregate', problem: `aggregate "${m.aggregate}" needs value: (the attribute whose numbers it combines); without value: each event counts 1` };
  }
  return undefined;
}

/** Compiles one rule; reports its problems and returns undefined when it has any. */
function compileRule(
  { source, index, item }: Located<RuleItem>,
  defs: Definitions,
  brokenMacros: ReadonlySet<string>,
  problems: Problems,
): CompiledRule | undefined {
  const label = `rule "${item.rule}"`;
  const before = problems.list.length;
  const kinds = (['count', 'baseline', 'sequence'] as const).filter((k) => item[k] !== undefined);
  if (kinds.length > 1) {
    problems.at(source, index, [kinds[1]], `${label}: has ${kinds.map((k) => `${k}:`).join(' and ')}; a rule is one kind`);
    return undefined;
  }
  if (kinds.length === 0 && item.condition === undefined) {
    problems.at(source, index, [], `${label}: an event rule needs a condition`, 'add "condition:", or count:, baseline: or sequence:');
    return undefined;
  }
  const usesBroken = (text: string): boolean => {
    try {
      return [...expandCondition(text, defs).uses].some((u) => brokenMacros.has(u));
    } catch {
      return false;
    }
  };
  const compileAt = (text: string, sub: YamlPath, what: string): CompiledExpression | undefined => {
    if (usesBroken(text)) return undefined; // the macro's own problem is reported
    const result = compileCondition(text, defs, what);
    if ('problem' in result) {
      problems.at(source, index, sub, result.problem);
      return undefined;
    }
    return result.compiled;
  };

  const condition = item.condition !== undefined ? compileAt(item.condition, ['condition'], label) : undefined;
  const exceptions: ExceptionMatcher[] = [];
  for (const [i, exception] of (item.exceptions ?? []).entries()) {
    const result = compileException(exception, defs.lists);
    if ('problem' in result) problems.at(source, index, ['exceptions', i], `${label}: ${result.problem}`);
    else exceptions.push(result.matcher);
  }
  const durationOf = (value: string | number, sub: YamlPath): number => {
    const ms = parseDuration(value);
    if (ms <= 0) problems.at(source, index, sub, `${label}: the duration must be more than 0`);
    return ms;
  };
  const tags = item.tags ?? [];
  const kind = kinds[0] ?? 'event';
  const common: RuleCommon = {
    name: item.rule,
    description: item.desc ?? '',
    category: item.category ?? tags[0] ?? kind,
    priority: item.priority ?? DEFAULT_PRIORITY,
    tags,
    output: parseTemplate(item.output ?? defaultOutput(item)),
    condition,
    exceptions,
  };
  let rule: CompiledRule | undefined;
  for (const k of ['count', 'baseline'] as const) {
    const measure = item[k];
    const bad = measure ? measureProblem(measure) : undefined;
    if (bad) problems.at(source, index, [k, bad.sub], `${label}: ${bad.problem}`);
  }
  if (item.count) {
    const c = item.count;
    const aggregate = c.aggregate ?? DEFAULT_AGGREGATE;
    if ((c.gt === undefined) === (c.rate_gt === undefined)) {
      problems.at(source, index, ['count'], `${label}: count: needs exactly one of gt: (a threshold on the window's value) and rate_gt: (a threshold per second)`);
    } else if (c.rate_gt !== undefined && aggregate !== 'sum') {
      problems.at(source, index, ['count', 'rate_gt'], `${label}: rate_gt: divides the window's sum by its length; it does not go with aggregate "${aggregate}"`, 'use gt:, or aggregate: sum');
    }
    rule = {
      ...common,
      kind: 'count',
      by: c.by ?? [],
      windowMs: durationOf(c.over, ['count', 'over']),
      gt: c.gt ?? c.rate_gt ?? 0,
      perSecond: c.rate_gt !== undefined,
      aggregate,
      ...(c.value !== undefined ? { value: c.value } : {}),
    };
  } else if (item.baseline) {
    const b = item.baseline;
    rule = {
      ...common,
      kind: 'baseline',
      by: b.by ?? [],
      aggregate: b.aggregate ?? DEFAULT_AGGREGATE,
      ...(b.value !== undefined ? { value: b.value } : {}),
      windowMs: durationOf(b.over, ['baseline', 'over']),
      k: b.k ?? DEFAULT_K,
      alpha: b.alpha ?? DEFAULT_ALPHA,
      warmup: b.warmup ?? DEFAULT_WARMUP,
      minDeviation: b.min_deviation ?? DEFAULT_MIN_DEVIATION,
    };
  } else if (item.sequence) {
    const s = item.sequence;
    const steps = s.steps.map((text, i) => compileAt(text, ['sequence', 'steps', i], `${label}: step ${i + 1}`));
    rule = {
      ...common,
      kind: 'sequence',
      steps: steps.filter((x): x is CompiledExpression => x !== undefined),
      withinMs: durationOf(s.within, ['sequence', 'within']),
      descendants: (s.by ?? DEFAULT_SEQUENCE_BY) === 'process_tree',
    };
  } else if (condition) {
    rule = { ...common, kind: 'event', condition };
  }
  return problems.list.length > before ? undefined : rule;
}

/**
 * Loads the rule files and inline rules. Returns every problem found, or the
 * rule set when there is none.
 */
export function loadRules(config: RuleSources, configDir: string): LoadResult {
  const problems = new Problems();
  const sources = readSources(config, configDir, problems);
  const items = sortItems(sources, problems);

  const seen = new Map<string, string>();
  const lists = resolveLists(items.lists, seen, problems);
  const macros = new Map<string, string>();
  for (const { source, index, item } of items.macros) {
    if (checkName(item.macro, 'macro', seen, (m, h) => problems.at(source, index, ['macro'], m, h))) macros.set(item.macro, item.condition);
  }
  const defs: Definitions = { lists, macros };
  const brokenMacros = new Set<string>();
  for (const { source, index, item } of items.macros) {
    if (macros.get(item.macro) !== item.condition) continue;
    const result = compileCondition(item.condition, defs, `macro "${item.macro}"`, item.macro);
    if ('problem' in result) {
      brokenMacros.add(item.macro);
      problems.at(source, index, ['condition'], result.problem);
    }
  }

  const ruleNames = new Set<string>();
  const rules: CompiledRule[] = [];
  const disabled: string[] = [];
  for (const located of items.rules) {
    const { source, index, item } = located;
    if (ruleNames.has(item.rule)) {
      problems.at(source, index, ['rule'], `rule "${item.rule}" is defined twice`, 'rule names must be unique');
      continue;
    }
    ruleNames.add(item.rule);
    const rule = compileRule(located, defs, brokenMacros, problems);
    if (!rule) continue;
    if (item.enabled === false) disabled.push(rule.name);
    else rules.push(rule);
  }
  if (problems.list.length > 0) return { problems: problems.list };
  return { ruleSet: { rules, disabled }, problems: [] };
}
