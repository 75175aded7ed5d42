import t from 'tap';
import { TestScheduler } from 'rxjs/testing';
import type { Batch, LogRecord, MetricRecord, SpanRecord } from '../../core/signals';
import type { CreateContext } from '../../core/component';
import { ComponentTelemetry } from '../../core/telemetry';
import { compileExpression } from '../../core/expression';
import { filterOperator } from '../../processors/filter/operator';
import { filterProcessorFactory, type FilterProcessor } from '../../processors/filter';

const resource = { attributes: { 'host.name': 'node-1' } };
const scope = { name: 'test' };
const m = (name: string, attributes: MetricRecord['attributes'] = {}, value = 1): MetricRecord => ({
  resource, scope, name, type: 'sum', temporality: 'cumulative', attributes, startTime: [0, 0], time: [1, 0], value,
});
const metrics = (...records: MetricRecord[]): Batch => ({ signal: 'metrics', records });

function scheduler(t: { same(a: unknown, b: unknown): boolean }): TestScheduler {
  return new TestScheduler((actual, expected) => t.same(actual, expected));
}

const a = m('a', { k: 'v' });
const b = m('b', { k: 'w' });
const c = m('c', {});

t.test('drop: matching records are dropped and counted', async (t) => {
  const dropped: number[] = [];
  const op = filterOperator({ action: 'drop', conditions: [compileExpression('attributes["k"] == "v"')], onDropped: (n) => dropped.push(n) });
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-x-y-z|', { x: metrics(a, b, c), y: metrics(b), z: metrics(a) });
    expectObservable(input.pipe(op)).toBe('-x-y--|', { x: metrics(b, c), y: metrics(b) });
  });
  t.same(dropped, [1, 1], 'empty batches are not emitted but their drops are counted');
});

t.test('keep: only matching records are kept', async (t) => {
  const op = filterOperator({ action: 'keep', conditions: [compileExpression('attributes["k"] == "v"')] });
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-x-y|', { x: metrics(a, b, c), y: metrics(b) });
    expectObservable(input.pipe(op)).toBe('-x--|', { x: metrics(a) });
  });
});

t.test('a list of conditions matches when any matches', async (t) => {
  const op = filterOperator({ action: 'drop', conditions: ['name == "a"', 'name == "c"'].map(compileExpression) });
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-x|', { x: metrics(a, b, c) });
    expectObservable(input.pipe(op)).toBe('-x|', { x: metrics(b) });
  });
});

t.test('a batch with nothing dropped is passed on as the same object', async (t) => {
  const op = filterOperator({ action: 'drop', conditions: [compileExpression('name == "zzz"')] });
  const input = metrics(a, b);
  scheduler(t).run(({ cold, expectObservable }) => {
    expectObservable(cold('-x|', { x: input }).pipe(op)).toBe('-x|', { x: input });
  });
  const seen: Batch[] = [];
  const { of } = await import('rxjs');
  of(input).pipe(op).subscribe((x) => seen.push(x));
  t.equal(seen[0], input);
});

t.test('missing attribute: == is false, != is true', async (t) => {
  const drop = (expr: string) => filterOperator({ action: 'drop', conditions: [compileExpression(expr)] });
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-x|', { x: metrics(a, c) });
    expectObservable(input.pipe(drop('attributes["missing"] == "v"'))).toBe('-x|', { x: metrics(a, c) });
    expectObservable(input.pipe(drop('attributes["k"] != "v"'))).toBe('-x|', { x: metrics(a) });
  });
});

t.test('numbers: int attributes compare with int and double literals', async (t) => {
  const p42 = m('p', { 'process.pid': 42 });
  const p7 = m('p', { 'process.pid': 7 });
  const r = m('r', { ratio: 0.25 });
  const keep = (expr: string) => filterOperator({ action: 'keep', conditions: [compileExpression(expr)] });
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-x|', { x: metrics(p42, p7, r) });
    expectObservable(input.pipe(keep('attributes["process.pid"] == 42'))).toBe('-x|', { x: metrics(p42) });
    expectObservable(input.pipe(keep('attributes["process.pid"] == 42.0'))).toBe('-x|', { x: metrics(p42) });
    expectObservable(input.pipe(keep('attributes["ratio"] < 0.5'))).toBe('-x|', { x: metrics(r) });
    expectObservable(input.pipe(keep('value == 1 && value < 1.5'))).toBe('-x|', { x: metrics(p42, p7, r) });
  });
});

t.test('log and span fields', async (t) => {
  const log = (severityNumber: number, eventName: string): LogRecord => ({ resource, scope, time: [0, 0], severityNumber, attributes: {}, eventName, body: 'b' });
  const span = (kind: SpanRecord['kind'], name: string): SpanRecord => ({ resource, scope, traceId: '0'.repeat(32), spanId: '0'.repeat(16), name, kind, startTime: [0, 0], endTime: [1, 0], attributes: {} });
  const l1 = log(9, 'process.exec');
  const l2 = log(17, 'security.alert');
  const s1 = span(1, 'GET');
  const s2 = span(2, 'connect');
  scheduler(t).run(({ cold, expectObservable }) => {
    const logs = cold('-x|', { x: { signal: 'logs', records: [l1, l2] } as Batch });
    const keepErrors = filterOperator({ action: 'keep', conditions: [compileExpression('severity >= 17 && name.startsWith("security.")')] });
    expectObservable(logs.pipe(keepErrors)).toBe('-x|', { x: { signal: 'logs', records: [l2] } });
    const spans = cold('-x|', { x: { signal: 'traces', records: [s1, s2] } as Batch });
    const dropClients = filterOperator({ action: 'drop', conditions: [compileExpression('kind == SPAN_KIND_CLIENT')] });
    expectObservable(spans.pipe(dropClients)).toBe('-x|', { x: { signal: 'traces', records: [s1] } });
  });
});

t.test('evaluation errors count as no match and are reported', async (t) => {
  const errors: unknown[] = [];
  const op = filterOperator({
    action: 'drop',
    conditions: ['attributes["k"] > 3', 'name == "b"'].map(compileExpression),
    onError: (err) => errors.push(err),
  });
  scheduler(t).run(({ cold, expectObservable }) => {
    // "v" > 3 fails on a and b; the second condition still drops b.
    const input = cold('-x|', { x: metrics(a, b, m('n', { k: 5 })) });
    expectObservable(input.pipe(op)).toBe('-x|', { x: metrics(a) });
  });
  t.equal(errors.length, 2);
});

t.test('errors propagate and completion passes through', async (t) => {
  const op = filterOperator({ action: 'drop', conditions: [compileExpression('name == "a"')] });
  scheduler(t).run(({ cold, expectObservable }) => {
    expectObservable(cold('-x-#', { x: metrics(a, b) }).pipe(op)).toBe('-x-#', { x: metrics(b) });
  });
});

t.test('input batches and records are not modified', async (t) => {
  const input = metrics(a, b, c);
  const snapshot = JSON.stringify(input);
  const op = filterOperator({ action: 'drop', conditions: [compileExpression('name == "a"')] });
  scheduler(t).run(({ cold, expectObservable }) => {
    expectObservable(cold('-x|', { x: input }).pipe(op)).toBe('-x|', { x: metrics(b, c) });
  });
  t.equal(JSON.stringify(input), snapshot);
});

t.test('validate: exactly one of drop and keep', async (t) => {
  const validate = filterProcessorFactory.validate!;
  t.same(validate({}), [{ path: '', message: 'set exactly one of "drop" or "keep"' }]);
  t.same(validate({ drop: 'true', keep: 'true' }), [{ path: '', message: 'set exactly one of "drop" or "keep"' }]);
  t.same(validate({ drop: 'name == "a"' }), []);
  t.same(validate({ keep: ['name == "a"', 'value > 1'] }), []);
});

t.test('validate: compile errors name the path, the expression and the position', async (t) => {
  const validate = filterProcessorFactory.validate!;
  const [p] = validate({ drop: 'attributes["x"] == ' });
  t.equal(p.path, '/drop');
  t.match(p.message, /^invalid CEL expression: .* at position 19:\n {2}attributes\["x"\] == \n {21}\^$/);

  const problems = validate({ drop: ['name == "a"', 'nme == "b"', 'name == 1'] });
  t.same(problems.map((x) => x.path), ['/drop/1', '/drop/2']);
  t.match(problems[0].message, /nme[\s\S]*at position 0:\n {2}nme == "b"\n {2}\^/);

  const [notBool] = validate({ keep: 'name' });
  t.same(notBool, { path: '/keep', message: 'condition must be a bool, but "name" is a string' });
});

t.test('factory: counts drops in telemetry, counts and logs evaluation errors once', async (t) => {
  const telemetry = new ComponentTelemetry('filter/test', 'processor', 'metrics');
  const warnings: unknown[][] = [];
  const logger = { warn: (...args: unknown[]) => warnings.push(args) };
  const ctx = { id: 'filter/test', telemetry, logger, signal: 'metrics', pipelineId: 'metrics' } as unknown as CreateContext;
  const processor = filterProcessorFactory.create({ drop: ['attributes["k"] > 3', 'name == "c"'] }, ctx) as FilterProcessor;
  scheduler(t).run(({ cold, expectObservable }) => {
    expectObservable(cold('-x-y|', { x: metrics(a, b, c), y: metrics(c) }).pipe(processor.operator)).toBe('-x--|', { x: metrics(a, b) });
  });
  t.equal(telemetry.dropped.get('filtered'), 2);
  t.equal(processor.evaluationErrors, 2, '"v" > 3 and "w" > 3 fail; a missing k is just no match');
  t.equal(warnings.length, 1, 'warned once');
  t.match(String(warnings[0][1]), /filter\/test/);
  t.match(warnings[0][0], { component: 'filter/test', expression: 'attributes["k"] > 3' });
  await processor.shutdown!();
  await processor.shutdown!();
  t.equal(warnings.length, 2, 'shutdown reports the total once');
});
