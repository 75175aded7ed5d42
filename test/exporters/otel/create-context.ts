/** A CreateContext for exporter tests. */
import type { CreateContext } from '../../../core/component';
import { silentLogger } from '../../../core/logger';
import { ComponentTelemetry } from '../../../core/telemetry';

/** A context with silent logs, fresh counters and the current directory as config dir. */
export function testContext(id: string): CreateContext {
  return {
    id,
    logger: silentLogger(),
    resource: { attributes: { 'service.name': 'ebpf-pipeline' } },
    telemetry: new ComponentTelemetry(id, 'exporter'),
    configDir: process.cwd(),
    engine: { allTelemetry: () => [] },
  };
}
