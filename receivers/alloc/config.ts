/** Config of the `alloc` receiver. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { MAX_SERIES_SCHEMA } from '../../core/cardinality';
import { DEFAULT_COLLECTION_INTERVAL, collectionIntervalSchema, commsSchema, maxEntriesSchema, pidsSchema } from '../../core/kernel/receiver-config';
import { profileOutputSchema } from '../../core/profile/output';
import { ALLOC_MAX_FILTER } from './layout';

/** Default interval between two reads of the kernel maps (metrics and leak report). */
export { DEFAULT_COLLECTION_INTERVAL };
/** Default: every allocation is tracked (exact numbers; the uprobes cost the same either way). */
export const DEFAULT_SAMPLE_EVERY = 1;
/** Default age an outstanding block must reach to count in the leak report. */
export const DEFAULT_MIN_AGE = '5s';
/** Default number of stacks in each leak report. */
export const DEFAULT_TOP_K = 10;
/** Default capacity of the kernel map of live tracked blocks (`allocs`). */
export const DEFAULT_MAX_ENTRIES = 65536;
/** Default capacity of the kernel map of allocation stacks (`stacks`, ~1 KiB each). */
export const DEFAULT_MAX_STACKS = 4096;
/** Default capacity of the kernel map of per-process totals (`processes`). */
export const DEFAULT_MAX_PROCESSES = 4096;
/** Default: mmap and munmap are not hooked. */
export const DEFAULT_MMAP = false;
/** Default: kernel allocations (kmem:kmalloc) are not counted. */
export const DEFAULT_KERNEL = false;
/** Default capacity of the kernel map of kmalloc call sites (`kmalloc_sites`). */
export const DEFAULT_MAX_KERNEL_SITES = 4096;
/** Largest `sample_every`. */
export const MAX_SAMPLE_EVERY = 1 << 20;

/** JSON Schema of the config. */
export const allocSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    collection_interval: collectionIntervalSchema(DEFAULT_COLLECTION_INTERVAL, 'How often the kernel maps are read: metric points and one leak report each time.'),
    pids: pidsSchema(
      ALLOC_MAX_FILTER,
      'Only these processes (tgids); the probes are attached to these processes alone. Empty: every process that uses the library (see `comms`).',
    ),
    comms: commsSchema(ALLOC_MAX_FILTER, 'Only threads with these names (the kernel `comm`, at most 15 bytes), filtered in the kernel; empty: every name.'),
    binary: {
      type: 'string',
      minLength: 1,
      description: 'Hook the malloc family in this file instead of the C library: a statically linked program, or a library with its own allocator. Absolute path.',
    },
    libc: {
      type: 'string',
      minLength: 1,
      description: 'The C library to hook. Default: the one each pid in `pids` maps (/proc/PID/maps), else the one `ldconfig -p` lists, else /lib/<arch>-linux-gnu/libc.so.6.',
    },
    sample_every: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_SAMPLE_EVERY,
      default: DEFAULT_SAMPLE_EVERY,
      description: 'Track only every N-th allocation of each process (its N-th, 2N-th, ...): allocations and allocated bytes stay exact, freed and outstanding bytes and the leak report are scaled by N (estimates unless 1).',
    },
    min_age: {
      type: 'string',
      format: 'duration',
      default: DEFAULT_MIN_AGE,
      description: 'A block counts in the leak report once it has been outstanding this long.',
    },
    top_k: {
      type: 'integer',
      minimum: 1,
      maximum: 10000,
      default: DEFAULT_TOP_K,
      description: 'The leak report lists this many stacks, the most outstanding bytes first.',
    },
    max_entries: maxEntriesSchema(
      DEFAULT_MAX_ENTRIES,
      'Live tracked blocks the kernel map holds; blocks past it are not tracked and counted as dropped (`allocs_full`).',
      { maximum: 16777216 },
    ),
    max_stacks: maxEntriesSchema(
      DEFAULT_MAX_STACKS,
      'Distinct allocation stacks the kernel keeps (about 1 KiB each); a block whose stack finds no room is tracked without one and counted (`stack_missing`).',
    ),
    max_processes: maxEntriesSchema(
      DEFAULT_MAX_PROCESSES,
      'Processes whose totals the kernel keeps at once; calls of more are counted as dropped (`processes_full`). Exited processes are forgotten each interval.',
    ),
    mmap: {
      type: 'boolean',
      default: DEFAULT_MMAP,
      description: 'Also hook mmap and munmap: a mapping counts as an allocation of its length, munmap of its start address frees it. mmap calls the allocator makes inside malloc are not counted twice.',
    },
    kernel: {
      type: 'boolean',
      default: DEFAULT_KERNEL,
      description: 'Also count the kernel\'s kmalloc calls made on behalf of the traced processes (kmem:kmalloc), by the kernel function that called kmalloc: `kernel.memory.allocations` and `kernel.memory.allocated`.',
    },
    max_kernel_sites: maxEntriesSchema(
      DEFAULT_MAX_KERNEL_SITES,
      'kmalloc call sites the kernel map holds (with `kernel`); calls from more are counted as dropped (`kmalloc_sites_full`).',
    ),
    profiles: {
      ...profileOutputSchema,
      description: 'Also write each leak report as a profile (inuse_space and inuse_objects by stack, every stack older than min_age, not only the top K): pprof, folded stacks and a flame graph page. Absent: no files.',
    },
    max_series: MAX_SERIES_SCHEMA,
  },
} as const satisfies JSONSchema;

/** Validated config of the `alloc` receiver. */
export type AllocConfig = FromSchema<typeof allocSchema>;
