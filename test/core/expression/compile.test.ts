import t from 'tap';
import { compileExpression, ExpressionError } from '../../../core/expression';
import type { LogRecord, MetricRecord, SpanRecord } from '../../../core/signals';

const resource = { attributes: { 'host.name': 'node-1' } };
const scope = { name: 'test' };

function metric(attributes: MetricRecord['attributes'], extra: Partial<MetricRecord> = {}): MetricRecord {
  return { resource, scope, name: 'syscall.calls', type: 'sum', temporality: 'cumulative', attributes, startTime: [0, 0], time: [1, 0], value: 7, ...extra };
}
const log: LogRecord = { resource, scope, time: [1, 0], severityNumber: 17, severityText: 'ERROR', body: 'exec denied', attributes: { 'process.pid': 42 }, eventName: 'process.exec' };
const span: SpanRecord = { resource, scope, traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'tcp.connection', kind: 2, startTime: [0, 0], endTime: [1, 0], attributes: { 'network.peer.port': 443 } };

const run = (src: string, record: MetricRecord | LogRecord | SpanRecord, signal: 'metrics' | 'logs' | 'traces' = 'metrics') =>
  compileExpression(src).evaluate(record, signal);

t.test('attribute lookups', async (t) => {
  t.equal(run('attributes["k"] == "v"', metric({ k: 'v' })), true);
  t.equal(run('attributes["k"] == "v"', metric({ k: 'w' })), false);
  t.equal(run('attributes.k == "v"', metric({ k: 'v' })), true);
  t.equal(run('resource["host.name"] == "node-1"', metric({})), true);
});

t.test('a missing attribute reads as null, presence tests keep their meaning', async (t) => {
  t.equal(run('attributes["x"] == "y"', metric({})), false);
  t.equal(run('attributes["x"] != "y"', metric({})), true);
  t.equal(run('attributes["x"] == null', metric({})), true);
  t.equal(run('attributes["x"] > 3', metric({})), false, 'ordering with null is false, not an error');
  t.equal(run('attributes["x"] <= 3.5 || 3 < attributes["x"] || attributes["x"] >= "a"', metric({})), false);
  t.equal(run('"x" in attributes', metric({})), false);
  t.equal(run('"x" in attributes', metric({ x: 1 })), true);
  t.equal(run('has(attributes.x)', metric({})), false);
  t.equal(run('has(attributes.x)', metric({ x: 'a' })), true);
  t.equal(run('attributes["toString"] == null', metric({})), true, 'no prototype properties');
  t.equal(run('attributes[attributes["which"]] == 1', metric({ which: 'a', a: 1 })), true, 'nested lookups');
  t.equal(run('["a", "b"].exists(k, attributes[k] == 2)', metric({ b: 2 })), true, 'inside macros');
  t.equal(run('!(attributes["x"] == "y") && (attributes["z"]) == null', metric({})), true, 'parentheses');
});

t.test('numbers: integer-valued numbers are CEL ints', async (t) => {
  t.equal(run('attributes["process.pid"] == 42', metric({ 'process.pid': 42 })), true);
  t.equal(run('attributes["process.pid"] + 1 == 43', metric({ 'process.pid': 42 })), true);
  t.equal(run('attributes["ratio"] > 0.5', metric({ ratio: 0.75 })), true);
  t.equal(run('attributes["ratio"] == 0.75', metric({ ratio: 0.75 })), true);
  t.equal(run('attributes["n"] == 3.0', metric({ n: 3 })), true, 'int equals double');
  t.equal(run('value > 5', metric({})), true);
  t.equal(run('value == 7', metric({})), true);
  t.equal(run('value * 2', metric({})), 14n);
  t.equal(run('double(value) * 1.5', metric({})), 10.5);
  t.equal(run('value > 2.5', metric({}, { value: 3.5, valueType: 'double' })), true);
  t.equal(run('value', metric({}, { value: 3, valueType: 'double' })), 3, 'declared double stays double');
  t.equal(run('value == null', metric({}, { value: undefined, type: 'histogram' })), true);
});

t.test('metric, log and span fields', async (t) => {
  t.equal(run('name == "syscall.calls" && metric_type == "sum" && signal == "metrics"', metric({})), true);
  t.equal(run('name == "process.exec" && severity >= 17 && severity_text == "ERROR" && body.contains("denied")', log, 'logs'), true);
  t.equal(run('signal == "logs" && metric_type == null && value == null', log, 'logs'), true);
  t.equal(run('name == "tcp.connection" && kind == SPAN_KIND_CLIENT && kind == 2', span, 'traces'), true);
  t.equal(run('attributes["network.peer.port"] == 443 && severity == null', span, 'traces'), true);
  t.equal(run('name == ""', { ...log, eventName: undefined }, 'logs'), true);
});

t.test('compile errors carry the position and a caret', async (t) => {
  const err = t.throws(() => compileExpression('attributes["x"] == ')) as ExpressionError;
  t.ok(err instanceof ExpressionError);
  t.equal(err.expression, 'attributes["x"] == ');
  t.equal(err.position, 19);
  t.equal(err.phase, 'parse');
  t.equal(err.line, 1);
  t.equal(err.column, 20);
  t.match(err.message, /at position 19:\n {2}attributes\["x"\] == \n {21}\^/);

  const unknown = t.throws(() => compileExpression('nme == "a"')) as ExpressionError;
  t.equal(unknown.phase, 'check');
  t.equal(unknown.position, 0);
  t.match(unknown.summary, /nme/);

  const typed = t.throws(() => compileExpression('name == 1')) as ExpressionError;
  t.equal(typed.phase, 'check');
  t.match(typed.summary, /string == int|overload/);

  const multi = t.throws(() => compileExpression('name == "a" &&\n  attributes["k"] = "v"')) as ExpressionError;
  t.equal(multi.line, 2);
  t.match(multi.message, /at line 2, column \d+ \(offset \d+\):\n {2} {2}attributes\["k"\] = "v"\n {2} *\^/);
  t.equal(multi.position, 'name == "a" &&\n'.length + multi.column - 1);
});

t.test('evaluation errors map back to the original expression', async (t) => {
  const e = compileExpression('name == "syscall.calls" && attributes["k"] < 3');
  const err = t.throws(() => e.evaluate(metric({ k: 'text' }), 'metrics')) as ExpressionError;
  t.equal(err.phase, 'evaluate');
  t.ok(err.position >= 27 && err.position <= 42, `position ${err.position} within the comparison`);
});

t.test('result type', async (t) => {
  t.equal(compileExpression('name == "a"').resultType, 'bool');
  t.equal(compileExpression('name').resultType, 'string');
});

t.test('evaluation timing (reported, not asserted)', async (t) => {
  const e = compileExpression('attributes["k"] == "v"');
  const records = Array.from({ length: 1000 }, (_, i) => metric({ k: i % 2 ? 'v' : 'w', 'process.pid': i }));
  let n = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < 1_000_000; i++) if (e.evaluate(records[i % 1000], 'metrics') === true) n++;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  t.equal(n, 500_000);
  t.comment(`attributes["k"] == "v" over 1M records: ${ms.toFixed(0)} ms`);
});
