/** Config of the `filter` processor. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** One CEL condition, or a list of them (the list matches when any condition matches). */
const conditionsSchema = {
  anyOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
  ],
} as const satisfies JSONSchema;

/** JSON Schema of the config. Exactly one of `drop` and `keep` is set (checked by `validate`). */
export const filterSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    drop: {
      ...conditionsSchema,
      description: 'CEL condition (or list of conditions, any of which matches): matching records are dropped, the others kept.',
    },
    keep: {
      ...conditionsSchema,
      description: 'CEL condition (or list of conditions, any of which matches): matching records are kept, the others dropped.',
    },
  },
} as const satisfies JSONSchema;

/** Validated config of the `filter` processor. */
export type FilterConfig = FromSchema<typeof filterSchema>;
