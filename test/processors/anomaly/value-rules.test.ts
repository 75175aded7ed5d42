// Count and baseline rules on values (value:, aggregate:, rate_gt:), as the metricstologs
// connector feeds them: thresholds and rates on a summed attribute, max/min/mean/last,
// baselines of a value with the alert carrying value, baseline and window, events without
// a number counted as missing; and the rule loader's checks of these fields.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { from } from 'rxjs';
import type { Batch, LogRecord } from '../../../core/signals';
import { registerBuiltins } from '../../../core/builtins';
import { loadConfigText } from '../../../core/config/load';
import { Registry } from '../../../core/registry';
import { loadRules } from '../../../processors/anomaly/load-rules';
import { anomalyOperator } from '../../../processors/anomaly/operator';
import type { RuleEvaluator } from '../../../processors/anomaly/evaluators/evaluator';
import { inlineRules } from './events';
import { ROOT } from '../../support/cli';

const T0 = 1_700_000_040_000; // ms; a multiple of 10 s and of 1 min
const resource = { attributes: {} };
const scope = { name: 'ebpf-pipeline/connector/metricstologs' };

/** A metric.point record of program `exe` at T0 + `atMs`. */
function point(exe: string, atMs: number, attributes: Record<string, unknown>): LogRecord {
  const ms = T0 + atMs;
  return {
    resource, scope, eventName: 'metric.point', time: [Math.floor(ms / 1000), (ms % 1000) * 1e6],
    attributes: { 'process.executable.name': exe, 'metric.name': 'syscall.errors', ...attributes } as LogRecord['attributes'],
  };
}

function run(items: unknown[], records: LogRecord[]): { alerts: LogRecord[]; evaluators: RuleEvaluator[] } {
  const evaluators: RuleEvaluator[] = [];
  const op = anomalyOperator({ rules: inlineRules(items).rules, dropEvents: true, maxKeys: 100, onEvaluators: (e) => evaluators.push(...e) });
  const alerts: LogRecord[] = [];
  from(records.map((r): Batch => ({ signal: 'logs', records: [r] }))).pipe(op).subscribe((b) => alerts.push(...(b.records as LogRecord[])));
  return { alerts, evaluators };
}

const summary = (alerts: LogRecord[]): unknown[][] =>
  alerts.map((a) => [a.attributes['process.executable.name'], a.attributes['anomaly.value'], a.attributes['anomaly.window.start']]);
const iso = (atMs: number): string => new Date(T0 + atMs).toISOString();

t.test('rate_gt: the sum of a value per key, divided by the window, against a rate per second', async (t) => {
  const rule = { rule: 'Error rate', condition: 'attributes["metric.name"] == "syscall.errors"', count: { by: ['process.executable.name'], over: '10s', value: 'metric.delta', rate_gt: 5 } };
  const { alerts, evaluators } = run([rule], [
    point('a', 1000, { 'metric.delta': 30 }),
    point('b', 1500, { 'metric.delta': 60 }), // 6/s: over at once
    point('a', 5000, { 'metric.delta': 20 }), // a: 50 in 10 s = 5/s, not more
    point('a', 9000, { 'metric.delta': 1 }), // 51: 5.1/s, over
    point('a', 9500, { 'metric.delta': 100 }), // once per key and window
    point('a', 12000, { 'metric.delta': 10 }),
    point('a', 13000, { 'metric.delta': 41 }), // the next window: 51 again
    point('a', 14000, {}), // no delta (a first point without a start time): missing, not counted
    point('a', 14500, { 'metric.name': 'syscall.calls', 'metric.delta': 1e6 }), // not matching the condition
  ]);
  t.same(summary(alerts), [['b', 6, iso(0)], ['a', 5.1, iso(0)], ['a', 5.1, iso(10_000)]]);
  t.match(alerts[1].attributes, { 'anomaly.window.total': 51, 'anomaly.threshold': 5, 'anomaly.window': 10, 'metric.delta': 1 });
  t.equal(alerts[1].body, 'Error rate: metric.delta at 5.1/s over 10s (more than 5/s)');
  t.match(evaluators[0].stats, { alerts: 3, missing: 1, late: 0 });
});

t.test('gt with an aggregate: max, min, mean, last of a value', async (t) => {
  const values = [3, 9, 4, 6];
  const records = values.map((v, i) => point('a', i * 1000, { 'metric.value': v }));
  const by = (aggregate: string, gt: number): unknown => ({ rule: `${aggregate} > ${gt}`, count: { over: '1m', value: 'metric.value', aggregate, gt } });
  const { alerts } = run([by('max', 8), by('min', 3), by('mean', 5), by('last', 5), by('sum', 21)], records);
  t.same(alerts.map((a) => [a.attributes['security_rule.name'], a.attributes['anomaly.value'], a.attributes['metric.value']]), [
    ['max > 8', 9, 9], // at the second point
    ['mean > 5', 6, 9], // (3 + 9) / 2
    ['last > 5', 9, 9],
    ['sum > 21', 22, 6], // 3 + 9 + 4 + 6
  ], 'min never goes above 3');
  t.equal(alerts[0].body, 'max > 8: max of metric.value 9 in 60s (more than 8)');
});

t.test('numbers as strings and bigints count; anything else is missing', async (t) => {
  const rule = { rule: 'R', count: { over: '1m', value: 'v', gt: 10 } };
  const { alerts, evaluators } = run([rule], [
    point('a', 0, { v: '4' }), point('a', 1, { v: 5n }), point('a', 2, { v: 'x' }), point('a', 3, { v: true }), point('a', 4, { v: 2 }),
  ]);
  t.same(summary(alerts), [['a', 11, iso(0)]]);
  t.equal(evaluators[0].stats.missing, 2);
});

t.test('baseline on a value: EWMA of the per-window sum, the alert carries value, baseline, deviation and window', async (t) => {
  const rule = {
    rule: 'Error baseline', condition: 'attributes["metric.name"] == "syscall.errors"',
    baseline: { by: ['process.executable.name'], over: '10s', value: 'metric.delta', k: 3, alpha: 0.5, warmup: 3, min_deviation: 1 },
  };
  // Two points per window for a: 4 + 6 = 10 per window, then 20 + 80 = 100 in window 5; b steady at 10.
  const records: LogRecord[] = [];
  for (let w = 0; w < 8; w++) {
    records.push(point('a', w * 10_000 + 1000, { 'metric.delta': w === 5 ? 20 : 4 }));
    records.push(point('a', w * 10_000 + 6000, { 'metric.delta': w === 5 ? 80 : 6 }));
    records.push(point('b', w * 10_000 + 7000, { 'metric.delta': 10 }));
  }
  const { alerts } = run([rule], records);
  t.equal(alerts.length, 1, 'one alert: window 5 of a (window 6 is back within 3 deviations of the moved baseline)');
  const [alert] = alerts;
  t.same(alert.time, [Math.floor((T0 + 60_000) / 1000), 0], 'at the end of window 5');
  t.match(alert.attributes, {
    'process.executable.name': 'a', 'metric.delta': 80,
    'anomaly.value': 100, 'anomaly.baseline': 10, 'anomaly.deviation': 0, 'anomaly.window': 10, 'anomaly.window.start': iso(50_000),
  });
  t.equal(alert.body, 'Error baseline: sum of metric.delta 100 in 10s, baseline 10 (deviation 0)');
});

t.test('baseline with mean: a window without values is not observed (no zero), unlike a count', async (t) => {
  const rule = { rule: 'Latency', baseline: { over: '10s', value: 'metric.mean', aggregate: 'mean', k: 3, alpha: 0.5, warmup: 2, min_deviation: 0.001 } };
  const records = [
    point('a', 1000, { 'metric.mean': 0.01 }), point('a', 2000, { 'metric.mean': 0.03 }), // 0.02
    point('a', 11_000, { 'metric.mean': 0.02 }),
    // windows 2 and 3 without points: skipped, not zeros (a zero would be far below 0.02)
    point('a', 41_000, { 'metric.mean': 0.02 }),
    point('a', 51_000, { 'metric.mean': 0.5 }),
    point('a', 61_000, { 'metric.mean': 0.02 }), // closes window 5
  ];
  const { alerts } = run([rule], records);
  t.same(alerts.map((a) => [a.attributes['anomaly.value'], a.attributes['anomaly.baseline'], a.attributes['anomaly.window.start']]), [[0.5, 0.02, iso(50_000)]]);
});

t.test('the loader checks value:, aggregate: and the thresholds', async (t) => {
  const problems = (count: unknown): string[] => loadRules({ rules: [{ rule: 'R', count }] }, process.cwd()).problems.map((p) => `${p.path}: ${p.message}`);
  t.same(problems({ over: '10s' }), ['/rules/0: count: rule "R": count: needs exactly one of gt: (a threshold on the window\'s value) and rate_gt: (a threshold per second)']);
  t.same(problems({ over: '10s', gt: 1, rate_gt: 1 }), ['/rules/0: count: rule "R": count: needs exactly one of gt: (a threshold on the window\'s value) and rate_gt: (a threshold per second)']);
  t.same(problems({ over: '10s', aggregate: 'max', gt: 1 }), ['/rules/0: count.aggregate: rule "R": aggregate "max" needs value: (the attribute whose numbers it combines); without value: each event counts 1']);
  t.same(problems({ over: '10s', value: 'v', aggregate: 'mean', rate_gt: 1 }), ['/rules/0: count.rate_gt: rule "R": rate_gt: divides the window\'s sum by its length; it does not go with aggregate "mean"; use gt:, or aggregate: sum']);
  t.same(problems({ over: '10s', value: 'v', aggregate: 'median', gt: 1 }).length, 1, 'an unknown aggregate');
  t.same(problems({ over: '10s', gt: 2.5 }), [], 'a fractional threshold');
});

t.test('the shipped metric rules load, and the README names them', async (t) => {
  const { ruleSet, problems } = loadRules({ rule_files: ['rules/metrics.yaml'] }, join(ROOT, 'configs'));
  t.same(problems, []);
  t.same(ruleSet?.rules.map((r) => [r.name, r.kind]), [['Syscall error storm', 'count'], ['Unusual system call volume', 'baseline']]);
  const readme = readFileSync(join(ROOT, 'processors', 'anomaly', 'README.md'), 'utf8');
  for (const rule of ruleSet?.rules ?? []) t.ok(readme.includes(rule.name), rule.name);
});

t.test('the README example of rules on metrics is a valid config', { skip: process.getuid?.() === 0 ? false : 'its syscall receiver needs root to pass the config probe' }, async (t) => {
  const readme = readFileSync(join(ROOT, 'processors', 'anomaly', 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('connectors:'));
  t.ok(block, 'the example is there');
  const config = await loadConfigText(block ?? '', '<readme>', registerBuiltins(new Registry()), { env: {} });
  t.same([...config.connectors.keys()], ['metricstologs']);
  t.same(config.pipelines.map((p) => [p.id, p.receivers, p.exporters]), [
    ['metrics', ['syscall'], ['prometheus', 'metricstologs']],
    ['logs/alerts', ['metricstologs'], ['debug']],
  ]);
});
