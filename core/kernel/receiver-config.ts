/**
 * Config pieces the eBPF receivers share: the JSON Schemas of settings that
 * mean the same in every receiver (`collection_interval`, `pids`, `comms`,
 * `cgroup`, `max_entries`), with their defaults and descriptions as named
 * constants, and the checks their factories' validate() repeat. Each
 * builder returns an `as const` schema so json-schema-to-ts still derives
 * the receiver's config type from its schema.
 */
import type { ConfigProblem } from '../component';
import { parseDuration } from '../config/duration';

/** Default interval between two reads of the kernel maps. */
export const DEFAULT_COLLECTION_INTERVAL = '10s';

/** `collection_interval` of a receiver whose maps are read into cumulative metric points. */
export const COLLECTION_INTERVAL_DESCRIPTION = 'How often the kernel maps are read and emitted as cumulative metric points.';

/** `pids` of a receiver that filters every event by process. */
export const PIDS_DESCRIPTION = 'Only these processes (tgids); empty: every process.';

/** `comms` of a receiver that filters every event by thread name. */
export const COMMS_DESCRIPTION = 'Only threads with these names (the kernel `comm`, at most 15 bytes); empty: every name.';

/** Longest thread name a `comms` entry may hold: `TASK_COMM_LEN` less the NUL. */
export const MAX_COMM_LENGTH = 15;

/** Default largest `max_entries` (capacity of a kernel map). */
export const MAX_MAP_ENTRIES = 1048576;

/** Schema of `collection_interval`: a duration, `defaultInterval` when absent. */
export function collectionIntervalSchema<const D extends string>(defaultInterval: D, description: string) {
  return { type: 'string', format: 'duration', default: defaultInterval, description } as const;
}

/** Schema of `collection_interval` with {@link DEFAULT_COLLECTION_INTERVAL} and {@link COLLECTION_INTERVAL_DESCRIPTION}. */
export const COLLECTION_INTERVAL_SCHEMA = collectionIntervalSchema(DEFAULT_COLLECTION_INTERVAL, COLLECTION_INTERVAL_DESCRIPTION);

/** Schema of `pids`: at most `maxItems` distinct tgids (the kernel filter map's capacity), none by default. */
export function pidsSchema(maxItems: number, description: string = PIDS_DESCRIPTION) {
  return { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems, uniqueItems: true, default: [], description } as const;
}

/** Schema of `comms`: at most `maxItems` distinct thread names of 1 to 15 bytes, none by default. */
export function commsSchema(maxItems: number, description: string = COMMS_DESCRIPTION) {
  return {
    type: 'array',
    items: { type: 'string', minLength: 1, maxLength: MAX_COMM_LENGTH },
    maxItems,
    uniqueItems: true,
    default: [],
    description,
  } as const;
}

/** Schema of `cgroup`: a cgroup v2 directory whose tasks (and its descendants') are the only ones traced. */
export const CGROUP_SCHEMA = {
  type: 'string',
  minLength: 1,
  description: 'Only tasks in this cgroup v2 or below it: an absolute path, or one relative to the cgroup2 mount.',
} as const;

/** Bounds of a `max_entries`-like setting besides its default. */
export interface MapEntriesBounds {
  /** Smallest value accepted (default 1). */
  minimum?: number;
  /** Largest value accepted (default {@link MAX_MAP_ENTRIES}). */
  maximum?: number;
}

/** Schema of `max_entries` (or another kernel map capacity): an integer in bounds, `defaultEntries` when absent. */
export function maxEntriesSchema(defaultEntries: number, description: string, bounds: MapEntriesBounds = {}) {
  return {
    type: 'integer',
    minimum: bounds.minimum ?? 1,
    maximum: bounds.maximum ?? MAX_MAP_ENTRIES,
    default: defaultEntries,
    description,
  } as const;
}

/** A problem for each of `keys` that holds a duration of zero (`must be more than 0`), by its path. */
export function nonPositiveDurations<K extends string>(config: Partial<Record<K, string>>, keys: readonly K[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const key of keys) {
    const value = config[key];
    if (value !== undefined && parseDuration(value) <= 0) problems.push({ path: `/${key}`, message: 'must be more than 0' });
  }
  return problems;
}
