/** Config of the `attributes` processor. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** The actions, as in the Collector's attributes processor (plus `rename`). */
export const ATTRIBUTE_ACTIONS = ['insert', 'update', 'upsert', 'delete', 'hash', 'rename'] as const;

/** Default list of actions: none (the processor passes records through). */
export const DEFAULT_ACTIONS: readonly never[] = [];

/** JSON Schema of one action. */
export const attributeActionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'action'],
  properties: {
    key: {
      type: 'string',
      minLength: 1,
      description: 'The attribute the action applies to.',
    },
    action: {
      type: 'string',
      enum: ATTRIBUTE_ACTIONS,
      description: 'insert (only if absent), update (only if present), upsert (always), delete, hash (SHA-256 hex), rename (to new_key).',
    },
    value: {
      type: ['string', 'number', 'boolean'],
      description: 'For insert, update and upsert: the value to set (or use from_attribute).',
    },
    from_attribute: {
      type: 'string',
      minLength: 1,
      description: 'For insert, update and upsert: copy the value of this attribute instead of a literal value (nothing happens when it is absent).',
    },
    new_key: {
      type: 'string',
      minLength: 1,
      description: 'For rename: the new name of the attribute.',
    },
  },
} as const satisfies JSONSchema;

/** JSON Schema of the config. */
export const attributesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    actions: {
      type: 'array',
      items: attributeActionSchema,
      default: DEFAULT_ACTIONS,
      description: 'Actions applied in order to the attributes of every record.',
    },
  },
} as const satisfies JSONSchema;

/** Validated config of the `attributes` processor. */
export type AttributesConfig = FromSchema<typeof attributesSchema>;

/** One action as written in the config. */
export type AttributeActionConfig = FromSchema<typeof attributeActionSchema>;
