/** What the receiver tests hand to a factory's create(): a context and a schema-checked config. */
import type { CreateContext, JsonSchema } from '../../core/component';
import { silentLogger } from '../../core/logger';
import { ComponentTelemetry } from '../../core/telemetry';
import { compileSchema } from '../../core/config/ajv';

/** A receiver context with silent logs and fresh counters. */
export function receiverContext(id: string): CreateContext {
  return {
    id,
    logger: silentLogger(),
    resource: { attributes: { 'service.name': 'ebpf-pipeline' } },
    telemetry: new ComponentTelemetry(id, 'receiver'),
    configDir: process.cwd(),
    engine: { allTelemetry: () => [] },
  };
}

/** A config through the schema (defaults filled in), as the loader would hand it to create(). */
export function schemaConfig<C>(schema: JsonSchema, config: Record<string, unknown>): C {
  const data = structuredClone(config);
  const validate = compileSchema(schema);
  if (!validate(data)) throw new Error(`bad test config: ${JSON.stringify(validate.errors)}`);
  return data as C;
}
