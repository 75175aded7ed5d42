import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileSchema } from '../../../core/config/ajv';
import { anomalyProcessorFactory } from '../../../processors/anomaly';
import { loadRules } from '../../../processors/anomaly/load-rules';

const ROOT = join(__dirname, '..', '..', '..');

t.test('README example: the whole parsed config, and its rules load next to configs/rules', async (t) => {
  const text = readFileSync(join(ROOT, 'processors', 'anomaly', 'README.md'), 'utf8');
  const block = /```yaml\n([\s\S]*?)```/.exec(text);
  const config = structuredClone((parse(block![1]) as { processors: Record<string, unknown> }).processors.anomaly);
  t.ok(compileSchema(anomalyProcessorFactory.schema)(config), 'schema');
  t.same(config, {
    rule_files: ['rules/security.yaml', 'rules/anomaly.yaml'],
    rules: [
      { macro: 'curl_like', condition: 'attributes["process.executable.name"] in ["curl", "wget"]' },
      {
        rule: 'Downloader reads SSH keys',
        condition: 'name == "file.open" && curl_like && attributes["file.path"].startsWith("/root/.ssh/")',
        output: '%{process.executable.name} read %{file.path} (pid %{process.pid})',
        priority: 'critical',
        tags: ['credential_access'],
      },
    ],
    drop_events: true,
    max_keys: 10000,
  });
  t.same(anomalyProcessorFactory.validate!(config as never, { configDir: join(ROOT, 'configs') }), []);
  const { ruleSet } = loadRules(config as never, join(ROOT, 'configs'));
  t.equal(ruleSet?.rules.at(-1)?.name, 'Downloader reads SSH keys');
  t.equal(ruleSet?.rules.length, 18, '17 shipped rules and the inline one');
});

t.test('defaults and refused values', async (t) => {
  const validate = compileSchema(anomalyProcessorFactory.schema);
  const empty: Record<string, unknown> = {};
  t.ok(validate(empty));
  t.same(empty, { rule_files: [], rules: [], drop_events: false, max_keys: 10000 });
  t.notOk(validate({ max_keys: 0 }), 'max_keys below 1');
  t.notOk(validate({ rule_file: ['x'] }), 'unknown key');
  t.notOk(validate({ rules: ['not a mapping'] }), 'a rule item that is not a mapping');
});

t.test('the README documents every shipped rule', async (t) => {
  const readme = readFileSync(join(ROOT, 'processors', 'anomaly', 'README.md'), 'utf8');
  const { ruleSet } = loadRules({ rule_files: ['rules/security.yaml', 'rules/anomaly.yaml'] }, join(ROOT, 'configs'));
  for (const rule of ruleSet!.rules) t.ok(readme.includes(rule.name), rule.name);
});
