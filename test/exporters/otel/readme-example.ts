/** Reads the first YAML example of a component README and validates one component's config from it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileSchema } from '../../../core/config/ajv';
import type { JsonSchema } from '../../../core/component';

/** Engine-level exporter keys (queue, retry): not part of a component's own schema. */
const ENGINE_KEYS = ['sending_queue', 'retry_on_failure'];

/**
 * The config of `exporters.<id>` in the first ```yaml block of `exporters/<folder>/README.md`,
 * without the engine keys, validated against `schema` with defaults filled in.
 * Throws with ajv's errors when it does not validate.
 */
export function readmeExampleConfig(folder: string, id: string, schema: JsonSchema): Record<string, unknown> {
  const text = readFileSync(join(__dirname, '../../../exporters', folder, 'README.md'), 'utf8');
  const block = /```yaml\n([\s\S]*?)```/.exec(text);
  if (!block) throw new Error(`no yaml example in exporters/${folder}/README.md`);
  const doc = parse(block[1]) as { exporters: Record<string, Record<string, unknown>> };
  const config = { ...doc.exporters[id] };
  for (const key of ENGINE_KEYS) delete config[key];
  const validate = compileSchema(schema);
  if (!validate(config)) throw new Error(JSON.stringify(validate.errors));
  return config;
}
