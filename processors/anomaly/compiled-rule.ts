/** Rules after loading: conditions compiled, macros and lists expanded, durations in milliseconds. */
import type { CompiledExpression } from '../../core/expression';
import type { ExceptionMatcher } from './exceptions';
import type { OutputTemplate } from './output';
import type { Priority } from './priority';
import type { Aggregate } from './evaluators/window-value';

/** The four rule kinds. */
export type RuleKind = 'event' | 'count' | 'baseline' | 'sequence';

/** What every compiled rule has. */
export interface RuleCommon {
  name: string;
  description: string;
  /** `security_rule.category`: the `category:`, else the first tag, else the kind. */
  category: string;
  priority: Priority;
  tags: readonly string[];
  output: OutputTemplate;
  /** The condition (macros expanded); absent means every event. */
  condition?: CompiledExpression;
  /** Events matching any of these do not raise the rule. */
  exceptions: readonly ExceptionMatcher[];
}

/** Alerts on every matching event. */
export interface EventRule extends RuleCommon {
  kind: 'event';
  condition: CompiledExpression;
}

/** What a windowed rule measures per key and window: a count of events, or an aggregate of an attribute's numbers. */
export interface WindowMeasure {
  /** The attribute whose numbers are aggregated; absent: every event counts 1. */
  value?: string;
  aggregate: Aggregate;
}

/** Alerts when a key's value in one window is more than `gt` (or its rate per second more than `rateGt`). */
export interface CountRule extends RuleCommon, WindowMeasure {
  kind: 'count';
  by: readonly string[];
  windowMs: number;
  /** The threshold: on the value, or with `perSecond` on the value per second of window. */
  gt: number;
  /** Whether `gt` is a rate (`rate_gt`): the value divided by the window's seconds. */
  perSecond: boolean;
}

/** Alerts when a key's value per window is more than `k` deviations from its EWMA baseline. */
export interface BaselineRule extends RuleCommon, WindowMeasure {
  kind: 'baseline';
  by: readonly string[];
  windowMs: number;
  k: number;
  alpha: number;
  warmup: number;
  minDeviation: number;
}

/** Alerts when the steps happen in order by one process (tree) within `withinMs`. */
export interface SequenceRule extends RuleCommon {
  kind: 'sequence';
  steps: readonly CompiledExpression[];
  withinMs: number;
  /** Whether later steps may come from descendants of the first step's process. */
  descendants: boolean;
}

/** Any compiled rule. */
export type CompiledRule = EventRule | CountRule | BaselineRule | SequenceRule;

/** A loaded rule set. */
export interface RuleSet {
  /** Enabled rules, in load order. */
  rules: CompiledRule[];
  /** Names of rules loaded and checked but `enabled: false`. */
  disabled: string[];
}
