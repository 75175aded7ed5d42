import t from 'tap';
import { compileExpression } from '../../../core/expression';
import { expressionEnvironment } from '../../../core/expression/environment';
import { guardByEventName, requiredEventNames } from '../../../processors/anomaly/event-names';

const names = (source: string): string[] | undefined => {
  const set = requiredEventNames(expressionEnvironment().parse(source).ast);
  return set ? [...set].sort() : undefined;
};

t.test('the event names a condition requires', async (t) => {
  t.same(names('name == "a"'), ['a']);
  t.same(names('"a" == name && x'), ['a']);
  t.same(names('(name == "a" && x) || (name in ["b", "c"] && !y)'), ['a', 'b', 'c']);
  t.same(names('name == "a" && name == "b"'), [], 'contradiction: nothing');
  t.same(names('name == "a" || x'), undefined);
  t.same(names('name != "a"'), undefined);
  t.same(names('!(name == "a")'), undefined);
  t.same(names('name in ["a", 1]'), undefined);
  t.same(names('attributes["name"] == "a"'), undefined);
  t.same(names('true'), undefined);
});

t.test('the guard gives what the condition gives', async (t) => {
  const source = 'name == "file.open" && attributes["n"] > 3';
  const guarded = guardByEventName(compileExpression(source), source);
  const rec = (eventName: string, n: unknown) => ({ eventName, attributes: { n } }) as never;
  t.equal(guarded.evaluate(rec('file.open', 5), 'logs'), true);
  t.equal(guarded.evaluate(rec('file.open', 1), 'logs'), false);
  t.equal(guarded.evaluate(rec('process.exec', 5), 'logs'), false);
  t.equal(compileExpression(source).evaluate(rec('process.exec', 'x'), 'logs'), false, 'false && error is false in CEL too');
  t.throws(() => guarded.evaluate(rec('file.open', 'x'), 'logs'), 'errors on a matching name still surface');
});
