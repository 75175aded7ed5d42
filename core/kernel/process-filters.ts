/**
 * The process filters of a receiver's config (`pids`, `comms`, `cgroup`)
 * pushed into its BPF object: the user-space half of bpf/filters.bpf.h.
 * Tunables `filter_<what>_on` are set before load, the maps `filter_<what>`
 * filled after load and before attach, so no event is seen unfiltered.
 */
import { closeSync, openSync } from 'node:fs';
import type { BpfObject } from '../../native/api';
import { commKey } from './bpf-records';
import { resolveCgroup } from './cgroup';

/** The value of a filter-map entry (the key is what counts). */
export const FILTER_PRESENT = Buffer.from([1]);

/** A `__u32` map key or value, little-endian. */
export function u32Key(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** The filter settings of a receiver's config. */
export interface ProcessFilterConfig {
  pids?: readonly number[];
  comms?: readonly string[];
  cgroup?: string;
}

/** A config's process filters, checked and resolved; pushes them into a BPF object. */
export class ProcessFilters {
  /** The cgroup v2 directory of `cgroup`, when set. */
  readonly cgroupDir: string | undefined;
  readonly pids: readonly number[];
  /** `comms` as `char[16]` map keys. */
  readonly comms: readonly Buffer[];

  /**
   * Resolves `config` (throws, with a message saying what to fix, for a
   * cgroup that is no cgroup v2 directory or a comm longer than 15 bytes).
   * `withCgroup`: the object has the cgroup filter (FILTER_CGROUP).
   */
  constructor(config: ProcessFilterConfig, private readonly withCgroup: boolean) {
    this.cgroupDir = config.cgroup === undefined ? undefined : resolveCgroup(config.cgroup);
    this.pids = config.pids ?? [];
    this.comms = (config.comms ?? []).map(commKey);
  }

  /** Sets the `filter_*_on` tunables; call before `load()`. */
  setConsts(obj: BpfObject): void {
    obj.setConst('filter_pids_on', this.pids.length > 0);
    obj.setConst('filter_comms_on', this.comms.length > 0);
    if (this.withCgroup) obj.setConst('filter_cgroup_on', this.cgroupDir !== undefined);
  }

  /** Fills the `filter_*` maps; call after `load()`, before attaching. */
  fillMaps(obj: BpfObject): void {
    for (const pid of this.pids) obj.map('filter_pids').update(u32Key(pid), FILTER_PRESENT);
    for (const comm of this.comms) obj.map('filter_comms').update(comm, FILTER_PRESENT);
    if (this.cgroupDir === undefined) return;
    const fd = openSync(this.cgroupDir, 'r');
    try {
      obj.map('filter_cgroup').update(u32Key(0), u32Key(fd));
    } finally {
      closeSync(fd);
    }
  }
}
