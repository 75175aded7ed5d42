/** Config of the `tcp` receiver. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { MAX_SERIES_SCHEMA } from '../../core/cardinality';
import {
  COLLECTION_INTERVAL_SCHEMA, DEFAULT_COLLECTION_INTERVAL, commsSchema, maxEntriesSchema, pidsSchema,
} from '../../core/kernel/receiver-config';

/** Default interval between two reads of the kernel maps. */
export { DEFAULT_COLLECTION_INTERVAL };
/** Default: metric series carry no peer address or port. */
export const DEFAULT_PEER_ATTRIBUTES = false;
/** Default: each closed connection is streamed as a span / log record. */
export const DEFAULT_CONNECTION_EVENTS = true;
/** Default: loopback connections are counted. */
export const DEFAULT_IGNORE_LOOPBACK = false;
/** Default capacity of the kernel map `hists`, in series. */
export const DEFAULT_MAX_ENTRIES = 10240;
/** Default capacity of the kernel map `start`, in connections open at once. */
export const DEFAULT_MAX_CONNECTIONS = 65536;
/** Default: a connection's RTT is sampled at most this often (more when it changes log2 bucket). */
export const DEFAULT_RTT_SAMPLE_INTERVAL = '100ms';
/** Default: the agent's own outbound connections are not tracked. */
export const DEFAULT_INCLUDE_SELF = false;
/** Most pids, comms and ports the kernel-side filters hold (TCP_MAX_FILTER in bpf/tcp.h). */
export const MAX_FILTER_ENTRIES = 1024;

/** JSON Schema of the config. */
export const tcpSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    collection_interval: COLLECTION_INTERVAL_SCHEMA,
    peer_attributes: {
      type: 'boolean',
      default: DEFAULT_PEER_ATTRIBUTES,
      description: 'Key metric series by `network.peer.address` too, and by `network.peer.port` for outbound connections (an inbound peer\'s port is ephemeral); more series, bounded by `max_series` and `max_entries`.',
    },
    connection_events: {
      type: 'boolean',
      default: DEFAULT_CONNECTION_EVENTS,
      description: 'Stream every closed connection as a `tcp.connection` span (when a traces pipeline takes this receiver) and log record (when a logs pipeline does); with neither, the kernel streams nothing.',
    },
    pids: pidsSchema(
      MAX_FILTER_ENTRIES,
      'Only outbound connections opened by these processes (tgids); inbound ones are then left out (their owner is unknown when they open). Empty: every connection.',
    ),
    comms: commsSchema(
      MAX_FILTER_ENTRIES,
      'Only outbound connections opened by threads with these names (the kernel `comm`); inbound ones are then left out. Empty: every connection.',
    ),
    ports: {
      type: 'array',
      items: { type: 'integer', minimum: 1, maximum: 65535 },
      maxItems: MAX_FILTER_ENTRIES,
      uniqueItems: true,
      default: [],
      description: 'Only connections whose local or peer port is one of these. Empty: every port.',
    },
    ignore_loopback: {
      type: 'boolean',
      default: DEFAULT_IGNORE_LOOPBACK,
      description: 'Leave out connections to a loopback peer (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104).',
    },
    rtt_sample_interval: {
      type: 'string',
      format: 'duration',
      default: DEFAULT_RTT_SAMPLE_INTERVAL,
      description: 'Per connection, the smoothed RTT (tcp:tcp_probe, every received segment) is added to `tcp.rtt` when it moved to another log2 bucket since its last sample, or at most this often otherwise (`0s`: at every segment); and once at close when its bucket changed or none was taken.',
    },
    max_series: MAX_SERIES_SCHEMA,
    max_entries: maxEntriesSchema(
      DEFAULT_MAX_ENTRIES,
      'Series the kernel map `hists` holds; points of new series beyond it are counted as dropped (`map_full`).',
    ),
    max_connections: {
      type: 'integer',
      minimum: 1,
      maximum: 4194304,
      default: DEFAULT_MAX_CONNECTIONS,
      description: 'Connections tracked at once (kernel map `start`); connections opened beyond it are counted as dropped (`start_full`).',
    },
    include_self: {
      type: 'boolean',
      default: DEFAULT_INCLUDE_SELF,
      description: 'Track the agent\'s own outbound connections too.',
    },
  },
} as const satisfies JSONSchema;

/** Validated config of the `tcp` receiver. */
export type TcpConfig = FromSchema<typeof tcpSchema>;
