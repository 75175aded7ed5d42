/** Config of the `security` receiver. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { collectionIntervalSchema } from '../../core/kernel/receiver-config';

/**
 * Default watched path prefixes of `file.open`: credentials and system
 * configuration, SSH keys, binaries and libraries, boot and module files,
 * logs, cron, kernel tunables and raw memory. `/etc/` includes the
 * dynamic loader's /etc/ld.so.cache, opened by every dynamically linked exec. A prefix ending in `/` watches a directory
 * tree; one without watches every path starting with those bytes.
 */
export const DEFAULT_WATCHED_PATHS: readonly string[] = [
  '/etc/',
  '/root/.ssh/',
  '/bin/',
  '/sbin/',
  '/usr/bin/',
  '/usr/sbin/',
  '/usr/local/bin/',
  '/usr/local/sbin/',
  '/lib/modules/',
  '/usr/lib/modules/',
  '/boot/',
  '/var/log/',
  '/var/spool/cron/',
  '/proc/sys/',
  '/dev/mem',
  '/dev/kmem',
];
/** Default depth of the ancestry attributes (parent, grandparent, ...). */
export const DEFAULT_ANCESTRY_DEPTH = 5;
/** Default events of one name per second one process may cause (0: no limit). */
export const DEFAULT_RATE_LIMIT_EVENTS_PER_SECOND = 1000;
/** Default burst of the per-process rate limit, in events. */
export const DEFAULT_RATE_LIMIT_BURST = 2000;
/** Default argv bytes an exec event carries. */
export const DEFAULT_MAX_ARGS_BYTES = 1024;
/** Most argv bytes an exec event can carry (SEC_MAX_ARGS_BYTES in bpf/security.h). */
export const MAX_ARGS_BYTES_LIMIT = 4096;
/** Default capacity of the user-space process table. */
export const DEFAULT_PROCESS_TABLE_SIZE = 32768;
/** Default time an exited process stays in the table (late events still find their process). */
export const DEFAULT_EXITED_GRACE = '30s';
/** Default size of the kernel ring buffer, bytes (a power of two, at least a page). */
export const DEFAULT_RING_BUFFER_SIZE = 4 * 1024 * 1024;
/** Default capacity of the in-flight syscall stash (threads in a watched syscall at once). */
export const DEFAULT_STASH_SIZE = 8192;
/** Default interval of the drop report (`security.events_dropped`) and table sweep. */
export const DEFAULT_COLLECTION_INTERVAL = '1s';
/** Default: the agent's own syscalls are not reported. */
export const DEFAULT_INCLUDE_SELF = false;
/** Most watched prefixes (SEC_MAX_PREFIXES in bpf/security.h). */
export const MAX_WATCHED_PATHS = 256;
/** Longest watched prefix, bytes (SEC_STR_LEN - 1). */
export const MAX_WATCHED_PATH_BYTES = 255;

/** JSON Schema of the config. */
export const securitySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    events: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      description: 'Event names to emit (see receivers/security/events.ts: `process.exec`, `file.open`, ...); absent: all of them. exec, fork and exit are always traced for the process table.',
    },
    watched_paths: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      maxItems: MAX_WATCHED_PATHS,
      default: DEFAULT_WATCHED_PATHS,
      description: 'Absolute path prefixes whose opens are `file.open` events (matched byte-wise in the kernel on the path as passed to open; end a directory with `/`).',
    },
    ancestry_depth: {
      type: 'integer',
      minimum: 0,
      maximum: 64,
      default: DEFAULT_ANCESTRY_DEPTH,
      description: 'Ancestors (parent first) listed in the `process.ancestors.*` attributes of every event.',
    },
    rate_limit: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Token bucket in the kernel per process and event name (a flood of opens does not hide the same process\'s ptrace); events beyond it are counted as dropped (`rate_limited`). exits and forks are never limited.',
      properties: {
        events_per_second: {
          type: 'integer',
          minimum: 0,
          default: DEFAULT_RATE_LIMIT_EVENTS_PER_SECOND,
          description: 'Sustained events of one name per second one process may cause; 0 turns the limit off.',
        },
        burst: {
          type: 'integer',
          minimum: 1,
          default: DEFAULT_RATE_LIMIT_BURST,
          description: 'Events a process may cause at once before the sustained rate applies.',
        },
      },
    },
    max_args_bytes: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_ARGS_BYTES_LIMIT,
      default: DEFAULT_MAX_ARGS_BYTES,
      description: 'argv bytes (NUL separators included) an exec event carries; longer command lines are cut.',
    },
    process_table_size: {
      type: 'integer',
      minimum: 16,
      maximum: 4194304,
      default: DEFAULT_PROCESS_TABLE_SIZE,
      description: 'Processes the user-space process table holds; exited ones are evicted first, then the oldest.',
    },
    exited_grace: {
      type: 'string',
      format: 'duration',
      default: DEFAULT_EXITED_GRACE,
      description: 'How long an exited process stays in the table for its descendants\' ancestry.',
    },
    ring_buffer_size: {
      type: 'integer',
      minimum: 4096,
      maximum: 1073741824,
      default: DEFAULT_RING_BUFFER_SIZE,
      description: 'Bytes of the kernel ring buffer (a power of two); events that do not fit are counted as dropped (`ring_buffer_full`).',
    },
    stash_size: {
      type: 'integer',
      minimum: 16,
      maximum: 1048576,
      default: DEFAULT_STASH_SIZE,
      description: 'Threads that can be inside a traced syscall at once (their arguments wait for the result); beyond it events are dropped (`stash_full`).',
    },
    collection_interval: collectionIntervalSchema(
      DEFAULT_COLLECTION_INTERVAL,
      'How often kernel drop counts are read (a `security.events_dropped` record when they grew) and exited processes are swept.',
    ),
    include_self: {
      type: 'boolean',
      default: DEFAULT_INCLUDE_SELF,
      description: 'Report the agent\'s own syscalls too.',
    },
  },
} as const satisfies JSONSchema;

/** Validated config of the `security` receiver. */
export type SecurityConfig = FromSchema<typeof securitySchema>;
