/** Config of the `packet` receiver. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { MAX_SERIES_SCHEMA } from '../../core/cardinality';
import { COLLECTION_INTERVAL_SCHEMA, DEFAULT_COLLECTION_INTERVAL, maxEntriesSchema } from '../../core/kernel/receiver-config';

/** Default interval between two reads of the kernel maps. */
export { DEFAULT_COLLECTION_INTERVAL };
/** Default interval between two scans of /sys/class/net for interfaces that appeared or went away. */
export const DEFAULT_INTERFACE_POLL_INTERVAL = '5s';
/** Default capacity of the kernel map `counts`, in (interface, direction, L3, L4) series. */
export const DEFAULT_MAX_ENTRIES = 4096;
/** Default: flows are not tracked. */
export const DEFAULT_FLOWS_ENABLED = false;
/** Default capacity of the LRU map `flows`. */
export const DEFAULT_FLOWS_MAX_ENTRIES = 10240;
/** Default number of flows reported each interval. */
export const DEFAULT_FLOWS_TOP_K = 10;
/** Most ports `flows.ports` takes. */
export const MAX_FLOW_PORTS = 1024;

/** JSON Schema of the config. */
export const packetSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    collection_interval: COLLECTION_INTERVAL_SCHEMA,
    interfaces: {
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: 15 },
      uniqueItems: true,
      default: [],
      description: 'Interfaces to watch: names or glob patterns (`*`, `?`, `[...]`). A plain name must exist at start; a pattern takes every up interface it matches, as they come and go. Empty: every up interface except `lo`.',
    },
    interface_poll_interval: {
      type: 'string',
      format: 'duration',
      default: DEFAULT_INTERFACE_POLL_INTERVAL,
      description: 'How often /sys/class/net is scanned for interfaces that appeared (attached) or went away (detached).',
    },
    max_entries: maxEntriesSchema(
      DEFAULT_MAX_ENTRIES,
      'Series the kernel map `counts` holds (interface x direction x L3 x L4); packets of new series beyond it are counted as dropped (`map_full`).',
    ),
    flows: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Top flows: packets and bytes by 5-tuple in a kernel LRU map, the top-K by bytes of each interval reported.',
      properties: {
        enabled: { type: 'boolean', default: DEFAULT_FLOWS_ENABLED, description: 'Track flows (one more hash update per IP packet).' },
        max_entries: {
          type: 'integer', minimum: 1, maximum: 1048576, default: DEFAULT_FLOWS_MAX_ENTRIES,
          description: 'Flows the kernel LRU map holds; the least recently seen is evicted first.',
        },
        top_k: {
          type: 'integer', minimum: 1, maximum: 1000, default: DEFAULT_FLOWS_TOP_K,
          description: 'Flows reported each interval: those that moved the most bytes since the previous one.',
        },
        ports: {
          type: 'array',
          items: { type: 'integer', minimum: 1, maximum: 65535 },
          uniqueItems: true,
          maxItems: MAX_FLOW_PORTS,
          default: [],
          description: 'Only flows with one of these source or destination ports (filtered in the kernel); empty: every flow.',
        },
      },
    },
    max_series: MAX_SERIES_SCHEMA,
  },
} as const satisfies JSONSchema;

/** Validated config of the `packet` receiver. */
export type PacketConfig = FromSchema<typeof packetSchema>;
