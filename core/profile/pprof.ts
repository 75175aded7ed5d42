/**
 * Encodes a {@link Profile} as pprof: a gzipped profile.proto (the format of
 * `go tool pprof`), written directly with {@link ProtoWriter} (no object per
 * sample, location or label: this runs every collection interval).
 *
 * One Function per (name, module), one Location per (module, address) with
 * one Line, one Mapping per module (memory range = lowest to highest address
 * seen, since frames carry no mapping bounds). Labels pid/tid (numeric) and
 * comm (string).
 */
import { gzipSync } from 'node:zlib';
import type { HrTime } from '../signals';
import type { Frame } from '../symbolize/types';
import { ProtoWriter } from './proto-writer';
import type { Profile, SampleLabels, ValueType } from './types';

/** gzip level of pprof files: the fastest (profiles are rewritten every interval; level 6 saves little on them). */
export const PPROF_GZIP_LEVEL = 1;

/** Field numbers of profile.proto (github.com/google/pprof/proto/profile.proto). */
const PROFILE = { sampleType: 1, sample: 2, mapping: 3, location: 4, function: 5, stringTable: 6, timeNanos: 9, durationNanos: 10, periodType: 11, period: 12 };
const VALUE_TYPE = { type: 1, unit: 2 };
const SAMPLE = { locationId: 1, value: 2, label: 3 };
const LABEL = { key: 1, str: 2, num: 3 };
const MAPPING = { id: 1, memoryStart: 2, memoryLimit: 3, filename: 5, hasFunctions: 7 };
const LOCATION = { id: 1, mappingId: 2, address: 3, line: 4 };
const LINE = { functionId: 1 };
const FUNCTION = { id: 1, name: 2, systemName: 3, filename: 4 };

/** Nanoseconds since the epoch of an {@link HrTime}. */
export function hrTimeToNanos(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

interface MappingEntry {
  id: number;
  filename: number;
  low: bigint;
  high: bigint;
}

interface LocationEntry {
  mappingId: number;
  address: bigint;
  functionId: number;
}

interface FunctionEntry {
  name: number;
  filename: number;
}

/** The string, function, location and mapping tables, filled while the samples are written. */
class PprofTables {
  readonly strings: string[] = [''];
  readonly functions: FunctionEntry[] = [];
  readonly locations: LocationEntry[] = [];
  readonly mappings: MappingEntry[] = [];
  private readonly stringIds = new Map<string, number>([['', 0]]);
  /** Location ids by frame object: symbolizers hand out the same frames for the same stacks. */
  private readonly frameIds = new Map<Frame, number>();
  /** Location ids by module, then address. */
  private readonly locationIds = new Map<string, Map<bigint, number>>();
  /** Function ids by module, then name. */
  private readonly functionIds = new Map<string, Map<string, number>>();
  private readonly mappingsByModule = new Map<string, MappingEntry>();

  string(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  locationId(frame: Frame): number {
    const seen = this.frameIds.get(frame);
    if (seen !== undefined) return seen;
    let byAddress = this.locationIds.get(frame.module);
    if (byAddress === undefined) {
      byAddress = new Map();
      this.locationIds.set(frame.module, byAddress);
    }
    let id = byAddress.get(frame.address);
    if (id === undefined) {
      const mapping = this.mappingFor(frame);
      this.locations.push({ mappingId: mapping.id, address: frame.address, functionId: this.functionId(frame) });
      id = this.locations.length;
      byAddress.set(frame.address, id);
    }
    this.frameIds.set(frame, id);
    return id;
  }

  private functionId(frame: Frame): number {
    let byName = this.functionIds.get(frame.module);
    if (byName === undefined) {
      byName = new Map();
      this.functionIds.set(frame.module, byName);
    }
    let id = byName.get(frame.name);
    if (id === undefined) {
      this.functions.push({ name: this.string(frame.name), filename: this.string(frame.module) });
      id = this.functions.length;
      byName.set(frame.name, id);
    }
    return id;
  }

  private mappingFor(frame: Frame): MappingEntry {
    let m = this.mappingsByModule.get(frame.module);
    if (m === undefined) {
      m = { id: this.mappings.length + 1, filename: this.string(frame.module), low: frame.address, high: frame.address };
      this.mappings.push(m);
      this.mappingsByModule.set(frame.module, m);
    }
    if (frame.address < m.low) m.low = frame.address;
    if (frame.address > m.high) m.high = frame.address;
    return m;
  }
}

function writeValueType(w: ProtoWriter, field: number, v: ValueType, tables: PprofTables): void {
  const at = w.begin(field);
  w.uint(VALUE_TYPE.type, tables.string(v.type));
  w.uint(VALUE_TYPE.unit, tables.string(v.unit));
  w.end(at);
}

function writeLabels(w: ProtoWriter, labels: SampleLabels | undefined, tables: PprofTables): void {
  if (labels === undefined) return;
  const numeric = (key: string, value: number | undefined): void => {
    if (value === undefined) return;
    const at = w.begin(SAMPLE.label);
    w.uint(LABEL.key, tables.string(key));
    w.uint(LABEL.num, value);
    w.end(at);
  };
  numeric('pid', labels.pid);
  numeric('tid', labels.tid);
  if (labels.comm !== undefined) {
    const at = w.begin(SAMPLE.label);
    w.uint(LABEL.key, tables.string('comm'));
    w.uint(LABEL.str, tables.string(labels.comm));
    w.end(at);
  }
}

/** `profile` as an (uncompressed) profile.proto message. */
export function pprofMessage(profile: Profile): Buffer {
  const w = new ProtoWriter();
  const tables = new PprofTables();
  for (const t of profile.sampleTypes) writeValueType(w, PROFILE.sampleType, t, tables);
  const locationIds: number[] = [];
  for (const s of profile.samples) {
    const at = w.begin(PROFILE.sample);
    locationIds.length = 0;
    for (const f of s.stack) locationIds.push(tables.locationId(f));
    w.packed(SAMPLE.locationId, locationIds);
    w.packed(SAMPLE.value, s.values);
    writeLabels(w, s.labels, tables);
    w.end(at);
  }
  for (const m of tables.mappings) {
    const at = w.begin(PROFILE.mapping);
    w.uint(MAPPING.id, m.id);
    w.uintBig(MAPPING.memoryStart, m.low);
    w.uintBig(MAPPING.memoryLimit, m.high + 1n);
    w.uint(MAPPING.filename, m.filename);
    w.bool(MAPPING.hasFunctions, true);
    w.end(at);
  }
  tables.locations.forEach((l, i) => {
    const at = w.begin(PROFILE.location);
    w.uint(LOCATION.id, i + 1);
    w.uint(LOCATION.mappingId, l.mappingId);
    w.uintBig(LOCATION.address, l.address);
    const line = w.begin(LOCATION.line);
    w.uint(LINE.functionId, l.functionId);
    w.end(line);
    w.end(at);
  });
  tables.functions.forEach((f, i) => {
    const at = w.begin(PROFILE.function);
    w.uint(FUNCTION.id, i + 1);
    w.uint(FUNCTION.name, f.name);
    w.uint(FUNCTION.systemName, f.name);
    w.uint(FUNCTION.filename, f.filename);
    w.end(at);
  });
  // The period type's strings go in the table before it is written.
  const periodType = profile.periodType;
  if (periodType !== undefined) {
    tables.string(periodType.type);
    tables.string(periodType.unit);
  }
  for (const s of tables.strings) w.string(PROFILE.stringTable, s);
  w.uintBig(PROFILE.timeNanos, hrTimeToNanos(profile.startTime));
  w.uint(PROFILE.durationNanos, profile.durationNs);
  if (periodType !== undefined) writeValueType(w, PROFILE.periodType, periodType, tables);
  if (profile.period !== undefined) w.uint(PROFILE.period, profile.period);
  return w.bytes();
}

/** `profile` as a gzipped profile.proto, ready for `go tool pprof`. */
export function encodePprof(profile: Profile): Buffer {
  return gzipSync(pprofMessage(profile), { level: PPROF_GZIP_LEVEL });
}
