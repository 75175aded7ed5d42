import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileSchema } from '../../core/config/ajv';
import type { ProcessorFactory } from '../../core/component';
import { batchProcessorFactory } from '../../processors/batch';
import { filterProcessorFactory } from '../../processors/filter';
import { attributesProcessorFactory } from '../../processors/attributes';

/** The `processors:` map of the first yaml block of a processor README. */
function readmeExample(folder: string): Record<string, unknown> {
  const text = readFileSync(join(__dirname, '../../processors', folder, 'README.md'), 'utf8');
  const block = /```yaml\n([\s\S]*?)```/.exec(text);
  if (!block) throw new Error(`no yaml example in ${folder}/README.md`);
  return parse(block[1]).processors as Record<string, unknown>;
}

/** Validates like the config loader: schema (defaults filled in), then the factory's validate. */
function load(factory: ProcessorFactory<any>, config: unknown): { config: unknown; problems: unknown[] } { // eslint-disable-line @typescript-eslint/no-explicit-any
  const validate = compileSchema(factory.schema);
  const data = structuredClone(config ?? {});
  if (!validate(data)) return { config: data, problems: validate.errors ?? [] };
  return { config: data, problems: factory.validate?.(data) ?? [] };
}

t.test('batch README example', async (t) => {
  const example = readmeExample('batch');
  t.same(load(batchProcessorFactory, example.batch), {
    config: { send_batch_size: 8192, timeout: '200ms', send_batch_max_size: 16384 },
    problems: [],
  });
  t.same(load(batchProcessorFactory, {}).config, { send_batch_size: 8192, timeout: '200ms', send_batch_max_size: 0 }, 'defaults');
  t.ok(load(batchProcessorFactory, { timeout: 'soon' }).problems.length > 0, 'bad duration');
  t.ok(load(batchProcessorFactory, { send_batch_size: 8192, extra: 1 }).problems.length > 0, 'unknown field');
});

t.test('filter README example', async (t) => {
  const example = readmeExample('filter');
  t.same(load(filterProcessorFactory, example['filter/noisy']), {
    config: { drop: 'attributes["process.executable.name"] == "ebpf-pipeline"' },
    problems: [],
  });
  t.same(load(filterProcessorFactory, example['filter/errors']), {
    config: { keep: ['severity >= 17', 'name.startsWith("security.")'] },
    problems: [],
  });
  t.same(load(filterProcessorFactory, example['filter/slow']).problems, []);
  t.ok(load(filterProcessorFactory, { drop: [] }).problems.length > 0, 'empty list');
  t.ok(load(filterProcessorFactory, { drop: 3 }).problems.length > 0, 'not a string');
});

t.test('attributes README example', async (t) => {
  const example = readmeExample('attributes');
  t.same(load(attributesProcessorFactory, example['attributes/scrub']), {
    config: {
      actions: [
        { key: 'deployment.environment', action: 'upsert', value: 'prod' },
        { key: 'user.id.copy', action: 'insert', from_attribute: 'user.id' },
        { key: 'user.id', action: 'hash' },
        { key: 'net.peer.ip', action: 'rename', new_key: 'network.peer.address' },
        { key: 'process.command_args', action: 'delete' },
      ],
    },
    problems: [],
  });
  t.same(load(attributesProcessorFactory, {}).config, { actions: [] }, 'defaults');
  t.ok(load(attributesProcessorFactory, { actions: [{ key: 'a', action: 'explode' }] }).problems.length > 0, 'unknown action');
});

t.test('every schema property has a description', async (t) => {
  const walk = (schema: unknown, path: string): void => {
    if (!schema || typeof schema !== 'object') return;
    const s = schema as { properties?: Record<string, { description?: string }>; items?: unknown };
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
      t.ok(prop.description, `${path}/${name} has a description`);
      walk(prop, `${path}/${name}`);
    }
    walk(s.items, `${path}/items`);
  };
  for (const f of [batchProcessorFactory, filterProcessorFactory, attributesProcessorFactory]) walk(f.schema, f.type);
});
