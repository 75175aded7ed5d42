/** Config of the `blockio` receiver. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { MAX_SERIES_SCHEMA } from '../../core/cardinality';
import { COLLECTION_INTERVAL_SCHEMA, DEFAULT_COLLECTION_INTERVAL, maxEntriesSchema } from '../../core/kernel/receiver-config';

/** Default interval between two reads of the kernel maps. */
export { DEFAULT_COLLECTION_INTERVAL };
/** Default: no queue-time histograms (the insert hook is not attached unless slow requests are on). */
export const DEFAULT_QUEUE_TIME = false;
/** Default: slow-request spans are off. */
export const DEFAULT_SLOW_THRESHOLD = '0s';
/** Default capacity of the kernel map `hists`, in (disk, direction) series. */
export const DEFAULT_MAX_ENTRIES = 1024;
/** Default capacity of the kernel map `start`, in requests in flight at once (as libbpf-tools biolatency). */
export const DEFAULT_MAX_IN_FLIGHT = 10240;
/** Most disks the kernel-side filter holds (BLOCKIO_MAX_FILTER in bpf/blockio.h). */
export const MAX_FILTER_ENTRIES = 256;

/** JSON Schema of the config. */
export const blockioSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    collection_interval: COLLECTION_INTERVAL_SCHEMA,
    devices: {
      type: 'array',
      items: { type: 'string', minLength: 1, pattern: '^[^/]+$' },
      maxItems: MAX_FILTER_ENTRIES,
      uniqueItems: true,
      default: [],
      description: 'Only these disks, by name as in /sys/block (`vda`, `nvme0n1`, `sda`); empty: every disk. Requests are counted per disk, so a partition name is refused with its disk\'s name.',
    },
    queue_time: {
      type: 'boolean',
      default: DEFAULT_QUEUE_TIME,
      description: 'Also measure the time requests wait in the I/O scheduler (insert -> issue) into `disk.operation.queue_time` (hooks block_rq_insert and block_rq_merge too).',
    },
    slow_threshold: {
      type: 'string',
      format: 'duration',
      default: DEFAULT_SLOW_THRESHOLD,
      description: 'A request at least this slow (issue -> complete) is also emitted as a `disk.request` span with its sector, size and submitting process; `0s` turns spans off.',
    },
    max_entries: maxEntriesSchema(
      DEFAULT_MAX_ENTRIES,
      '(disk, direction) series the kernel map `hists` holds; new series beyond it are counted as dropped (`map_full`).',
      { maximum: 65536 },
    ),
    max_in_flight: maxEntriesSchema(
      DEFAULT_MAX_IN_FLIGHT,
      'Requests in flight the kernel map `start` tracks at once; a request beyond it is not measured and counted as dropped (`start_full`).',
    ),
    max_series: MAX_SERIES_SCHEMA,
  },
} as const satisfies JSONSchema;

/** Validated config of the `blockio` receiver. */
export type BlockioConfig = FromSchema<typeof blockioSchema>;
