import t from 'tap';
import { compileExpression } from '../../../core/expression';

const record = { attributes: { path: '/etc/shadow', names: ['sh', 'bash'] } } as never;

t.test('string methods and "in" on a missing attribute are false, not errors', async (t) => {
  const cases: Array<[string, boolean]> = [
    ['attributes["path"].startsWith("/etc/")', true],
    ['attributes["missing"].startsWith("/etc/")', false],
    ['attributes["missing"].endsWith("x")', false],
    ['attributes["missing"].contains("x")', false],
    ['attributes["missing"].matches("^x")', false],
    ['!attributes["missing"].startsWith("/etc/")', true],
    ['"sh" in attributes["names"]', true],
    ['"sh" in attributes["missing"]', false],
    ['1 in attributes["missing"]', false],
  ];
  for (const [source, expected] of cases) t.equal(compileExpression(source).evaluate(record, 'logs'), expected, source);
});

t.test('other type errors still fail', async (t) => {
  t.throws(() => compileExpression('attributes["path"] < 3').evaluate(record, 'logs'));
});
