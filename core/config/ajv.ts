/**
 * The one ajv setup every config schema is compiled with: JSON Schema 2020-12,
 * defaults filled in, all errors reported, and the formats `duration`,
 * `hostport` and `bytesize`.
 */
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import type { JsonSchema } from '../component';
import { tryParseDuration, DURATION_EXAMPLES } from './duration';
import { tryParseByteSize, BYTE_SIZE_EXAMPLES } from './bytesize';
import { tryParseHostPort, HOST_PORT_EXAMPLES } from './hostport';

/** The ajv instance type. */
export type ConfigAjv = Ajv2020;

/** Human descriptions of the custom formats, used in error messages. */
export const FORMAT_DESCRIPTIONS: Readonly<Record<string, string>> = {
  duration: DURATION_EXAMPLES,
  hostport: HOST_PORT_EXAMPLES,
  bytesize: BYTE_SIZE_EXAMPLES,
};

/**
 * Creates an ajv instance configured for component config schemas:
 * `useDefaults`, `allErrors`, `verbose` (errors carry the failing data and
 * schema), strict about unknown keywords and formats but accepting union
 * types (`type: ['string', 'number']`). Formats `duration`, `hostport` and
 * `bytesize` validate strings only; numbers pass through them.
 */
export function createAjv(): ConfigAjv {
  const ajv = new Ajv2020({
    useDefaults: true,
    allErrors: true,
    verbose: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
  });
  ajv.addFormat('duration', { type: 'string', validate: (s: string) => tryParseDuration(s) !== undefined });
  ajv.addFormat('bytesize', { type: 'string', validate: (s: string) => tryParseByteSize(s) !== undefined });
  ajv.addFormat('hostport', { type: 'string', validate: (s: string) => tryParseHostPort(s) !== undefined });
  return ajv;
}

let shared: ConfigAjv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

/** The shared instance the config loader compiles every schema with. */
export function configAjv(): ConfigAjv {
  shared ??= createAjv();
  return shared;
}

/**
 * Compiles a schema with {@link configAjv}, once per schema object.
 * Throws ajv's error when the schema itself is invalid.
 */
export function compileSchema(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = configAjv().compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}
