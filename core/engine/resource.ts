/** The resource stamped on everything this agent produces. */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Resource } from '../signals';
import { AGENT_VERSION } from '../version';

/** `service.name` of this agent. */
export const SERVICE_NAME = 'ebpf-pipeline';

/** Builds the agent resource: host.name, service.name, service.version, service.instance.id. */
export function agentResource(instanceId: string = randomUUID()): Resource {
  return {
    attributes: {
      'host.name': hostname(),
      'service.name': SERVICE_NAME,
      'service.version': AGENT_VERSION,
      'service.instance.id': instanceId,
    },
  };
}
