/** The `attributes` processor factory. */
import { defineProcessor } from '../../core/component';
import type { ConfigProblem } from '../../core/component';
import { attributesSchema, type AttributeActionConfig, type AttributesConfig } from './config';
import { attributesOperator, type AttributeAction } from './operator';

/** Problems of one action (its path is `/actions/<i>`). */
function actionProblems(a: AttributeActionConfig, path: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const unused = (field: 'value' | 'from_attribute' | 'new_key'): void => {
    if (a[field] !== undefined) problems.push({ path: `${path}/${field}`, message: `"${field}" is not used by the ${a.action} action` });
  };
  switch (a.action) {
    case 'insert':
    case 'update':
    case 'upsert':
      if (a.value === undefined && a.from_attribute === undefined) {
        problems.push({ path, message: `the ${a.action} action needs "value" or "from_attribute"` });
      } else if (a.value !== undefined && a.from_attribute !== undefined) {
        problems.push({ path, message: `set only one of "value" and "from_attribute" for the ${a.action} action` });
      }
      unused('new_key');
      break;
    case 'rename':
      if (a.new_key === undefined) problems.push({ path, message: 'the rename action needs "new_key"' });
      else if (a.new_key === a.key) problems.push({ path: `${path}/new_key`, message: 'new_key must differ from key' });
      unused('value');
      unused('from_attribute');
      break;
    default:
      unused('value');
      unused('from_attribute');
      unused('new_key');
  }
  return problems;
}

function validateAttributesConfig(config: AttributesConfig): ConfigProblem[] {
  return config.actions.flatMap((a, i) => actionProblems(a, `/actions/${i}`));
}

/** Turns validated config actions into operator actions. */
export function resolveAttributeActions(config: AttributesConfig): AttributeAction[] {
  return config.actions.map((a): AttributeAction => {
    switch (a.action) {
      case 'insert':
      case 'update':
      case 'upsert':
        return a.from_attribute !== undefined
          ? { action: a.action, key: a.key, fromAttribute: a.from_attribute }
          : { action: a.action, key: a.key, value: a.value };
      case 'rename':
        return { action: 'rename', key: a.key, newKey: a.new_key! };
      default:
        return { action: a.action, key: a.key };
    }
  });
}

/** Inserts, updates, upserts, deletes, hashes or renames record attributes, as the Collector's attributes processor. */
export const attributesProcessorFactory = defineProcessor<AttributesConfig>({
  type: 'attributes',
  signals: ['metrics', 'logs', 'traces'],
  schema: attributesSchema,
  description: 'modifies record attributes (insert, update, upsert, delete, hash, rename)',
  validate: validateAttributesConfig,
  create: (config) => ({ operator: attributesOperator(resolveAttributeActions(config)) }),
});
