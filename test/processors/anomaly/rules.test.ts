import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRules } from '../../../processors/anomaly/load-rules';
import { anomalyProcessorFactory } from '../../../processors/anomaly';
import { expandCondition } from '../../../processors/anomaly/expand';
import { escapeValue, parseTemplate, renderTemplate } from '../../../processors/anomaly/output';

function ruleFile(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'anomaly-rules-'));
  writeFileSync(join(dir, 'r.yaml'), text);
  return { dir, file: join(dir, 'r.yaml') };
}

t.test('lists and macros expand by name, not inside strings or after a dot', async (t) => {
  const defs = { lists: new Map([['shells', ['sh', 'bash']]]), macros: new Map([['is_exec', 'name == "process.exec"'], ['shell_exec', 'is_exec && attributes["process.executable.name"] in shells']]) };
  const e = expandCondition('shell_exec && "shells" != attributes.shells && x.is_exec', defs);
  t.equal(e.source, '((name == "process.exec") && attributes["process.executable.name"] in ["sh", "bash"]) && "shells" != attributes.shells && x.is_exec');
  t.same([...e.uses].sort(), ['is_exec', 'shell_exec', 'shells']);
});

t.test('a rule file loads: lists of lists, macros using macros, disabled rules', async (t) => {
  const { dir } = ruleFile(`
- list: a
  items: [x, y]
- list: ab
  items: [a, z]
- macro: m1
  condition: attributes["k"] in ab
- macro: m2
  condition: m1 && name == "e"
- rule: R
  condition: m2
  priority: info
- rule: Off
  condition: "true"
  enabled: false
`);
  const { ruleSet, problems } = loadRules({ rule_files: ['r.yaml'] }, dir);
  t.same(problems, []);
  t.same(ruleSet?.rules.map((r) => [r.name, r.kind, r.priority, r.condition?.source]), [['R', 'event', 'info', '((__placeholder__))'.replace('((__placeholder__))', '((attributes["k"] in ["x", "y", "z"]) && name == "e")')]]);
  t.same(ruleSet?.disabled, ['Off']);
});

t.test('a bad condition: the file and line, the rule name, the expression and the position', async (t) => {
  const { dir, file } = ruleFile(`- rule: Good
  condition: name == "a"
- rule: Bad one
  condition: name == "file.open" && attributes["file.path"] startsWith "/etc"
`);
  const { problems } = loadRules({ rule_files: ['r.yaml'] }, dir);
  t.equal(problems.length, 1);
  t.equal(problems[0].path, '/rule_files/0');
  const message = problems[0].message;
  t.match(message, `${file}:4:14: [1].condition: rule "Bad one": invalid CEL expression:`);
  t.match(message, /at position 47:\n {2}name == "file.open" && attributes\["file.path"\] startsWith "\/etc"\n {49}\^$/);
});

t.test('an error inside a macro points at the macro name in the rule and names the macro', async (t) => {
  const { problems } = loadRules({ rules: [
    { macro: 'm', condition: 'attributes["n"] + "x" == 1' },
    { rule: 'R', condition: 'name == "a" && m' },
  ] }, process.cwd());
  t.equal(problems.length, 1, 'reported once, at the macro');
  t.equal(problems[0].path, '/rules/0');
  t.match(problems[0].message, /^condition: macro "m": invalid CEL expression/);
});

t.test('a type error of a list used in a rule is located at the list name', async (t) => {
  const { problems } = loadRules({ rules: [
    { list: 'nums', items: [1, 2] },
    { rule: 'R', condition: 'name == "a" && nums.startsWith("x")' },
  ] }, process.cwd());
  t.equal(problems.length, 1);
  t.equal(problems[0].path, '/rules/1');
  t.match(problems[0].message, /condition: rule "R": invalid CEL expression: .*\(inside list "nums"\) at position 15/);
});

t.test('schema problems: unknown priority, unknown field, wrong kind mix, each named', async (t) => {
  const { problems } = loadRules({ rules: [
    { rule: 'P', condition: 'true', priority: 'urgent' },
    { rule: 'F', condition: 'true', outptu: 'x' },
    { rule: 'K', count: { over: '1m', gt: 1 }, baseline: { over: '1m' } },
    { rule: 'E' },
    { macro: 'name', condition: 'true' },
    { list: 'l', items: [1] },
    { list: 'l', items: [2] },
    { rule: 'P2', condition: '"x"' },
    { macro: 'c1', condition: 'c2' },
    { macro: 'c2', condition: 'c1' },
    { nothing: 1 },
    { rule: 'X', condition: 'true', exceptions: [{ name: 'e', fields: ['a', 'b'], values: [['only-one']] }] },
    { rule: 'D', count: { over: '0s', gt: 1 } },
  ] }, process.cwd());
  const lines = problems.map((p) => `${p.path} ${p.message}`);
  t.same(lines, [
    '/rules/0 priority: rule "P": must be one of "emergency", "alert", "critical", "error", "warning", "notice", "informational", "info", "debug"; got string "urgent"',
    '/rules/1 outptu: rule "F": unknown key "outptu"; did you mean "output"?',
    '/rules/10 item is not a rule:, macro: or list: item; start each item with "- rule: NAME", "- macro: NAME" or "- list: NAME"',
    '/rules/6 list: list "l" is defined twice (first as a list); rename one; lists and macros share one name space',
    '/rules/4 macro: macro name "name" is reserved (a CEL keyword, type or expression variable); rename it',
    '/rules/8 condition: macro "c1": macros use each other in a cycle: c1 -> c2 -> c1',
    '/rules/9 condition: macro "c2": macros use each other in a cycle: c2 -> c1 -> c2',
    '/rules/2 baseline: rule "K": has count: and baseline:; a rule is one kind',
    '/rules/3 rule "E": an event rule needs a condition; add "condition:", or count:, baseline: or sequence:',
    '/rules/7 condition: rule "P2": must be a bool, but ""x"" is a string',
    '/rules/11 exceptions[0]: rule "X": exception "e": values[0] must be a list of 2 values (one per field: a, b)',
    '/rules/12 count.over: rule "D": the duration must be more than 0',
  ]);
});

t.test('a missing rule file, a YAML error, and a file that is not a list', async (t) => {
  const { dir } = ruleFile('- rule: [unclosed\n');
  writeFileSync(join(dir, 'map.yaml'), 'rule: x\n');
  const { problems } = loadRules({ rule_files: ['nope.yaml', 'r.yaml', 'map.yaml'] }, dir);
  t.equal(problems.length, 3);
  t.same(problems.map((p) => p.path), ['/rule_files/0', '/rule_files/1', '/rule_files/2']);
  t.equal(problems[0].message, `cannot read rule file ${join(dir, 'nope.yaml')}: ENOENT; check the path (relative paths start at the config file's directory)`);
  t.match(problems[1].message, `${join(dir, 'r.yaml')}:`);
  t.match(problems[1].message, 'YAML syntax error');
  t.equal(problems[2].message, `${join(dir, 'map.yaml')}:1:1: a rule file must be a list of rule:, macro: and list: items`);
});

t.test('the factory validates with the config directory', async (t) => {
  const { dir } = ruleFile('- rule: R\n  condition: nme == "x"\n');
  const problems = anomalyProcessorFactory.validate!({ rule_files: ['r.yaml'], rules: [], drop_events: false, max_keys: 10 }, { configDir: dir });
  t.equal(problems.length, 1);
  t.match(problems[0].message, 'rule "R": invalid CEL expression');
});

t.test('output templates: fields, escaping, arrays, length cap', async (t) => {
  const tpl = parseTemplate('a=%{a} b=%{b} c=%{c} %{missing} 100%');
  t.equal(renderTemplate(tpl, { a: 'x\ty', b: ['p', 'q'], c: 7 }), 'a=x\\ty b=p,q c=7 <NA> 100%');
  t.equal(escapeValue('\u2028\\\u0007'), '\\x2028\\\\\\x07');
  t.equal(renderTemplate(parseTemplate('%{a}'), { a: 'z'.repeat(5000) }).length, 1024);
});
