/**
 * Encodes a {@link Profile} as pprof: a gzipped profile.proto (the format of
 * `go tool pprof`), with the `pprof-format` package.
 *
 * One Function per (name, module), one Location per (module, address) with
 * one Line, one Mapping per module (memory range = lowest to highest address
 * seen, since frames carry no mapping bounds). Labels pid/tid (numeric) and
 * comm (string).
 */
import { gzipSync } from 'node:zlib';
import {
  Function as PprofFunction,
  Label,
  Line,
  Location,
  Mapping,
  Profile as PprofProfile,
  Sample,
  StringTable,
  ValueType as PprofValueType,
} from 'pprof-format';
import type { HrTime } from '../signals';
import type { Frame } from '../symbolize/types';
import type { Profile, SampleLabels } from './types';

/** Nanoseconds since the epoch of an {@link HrTime}. */
export function hrTimeToNanos(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

interface MappingRange {
  mapping: Mapping;
  low: bigint;
  high: bigint;
}

/** Builds the pprof tables while samples are added. */
class PprofTables {
  readonly strings = new StringTable();
  readonly functions: PprofFunction[] = [];
  readonly locations: Location[] = [];
  readonly mappings: MappingRange[] = [];
  private readonly functionIds = new Map<string, number>();
  /** Location ids by module, then address (bigint keys: no string built per frame). */
  private readonly locationIds = new Map<string, Map<bigint, number>>();
  private readonly mappingsByModule = new Map<string, MappingRange>();

  locationId(frame: Frame): number {
    let byAddress = this.locationIds.get(frame.module);
    if (byAddress === undefined) {
      byAddress = new Map();
      this.locationIds.set(frame.module, byAddress);
    }
    const known = byAddress.get(frame.address);
    if (known !== undefined) return known;
    const range = this.mappingFor(frame);
    const id = this.locations.length + 1;
    this.locations.push(
      new Location({ id, mappingId: range.mapping.id, address: frame.address, line: [new Line({ functionId: this.functionId(frame) })] }),
    );
    byAddress.set(frame.address, id);
    return id;
  }

  private functionId(frame: Frame): number {
    const key = `${frame.name}\0${frame.module}`;
    const known = this.functionIds.get(key);
    if (known !== undefined) return known;
    const id = this.functions.length + 1;
    const name = this.strings.dedup(frame.name);
    this.functions.push(new PprofFunction({ id, name, systemName: name, filename: this.strings.dedup(frame.module) }));
    this.functionIds.set(key, id);
    return id;
  }

  private mappingFor(frame: Frame): MappingRange {
    let range = this.mappingsByModule.get(frame.module);
    if (range === undefined) {
      const mapping = new Mapping({
        id: this.mappings.length + 1,
        filename: this.strings.dedup(frame.module),
        hasFunctions: true,
      });
      range = { mapping, low: frame.address, high: frame.address };
      this.mappings.push(range);
      this.mappingsByModule.set(frame.module, range);
    }
    if (frame.address < range.low) range.low = frame.address;
    if (frame.address > range.high) range.high = frame.address;
    return range;
  }

  labels(labels: SampleLabels | undefined): Label[] {
    const out: Label[] = [];
    if (labels?.pid !== undefined) out.push(new Label({ key: this.strings.dedup('pid'), num: labels.pid }));
    if (labels?.tid !== undefined) out.push(new Label({ key: this.strings.dedup('tid'), num: labels.tid }));
    if (labels?.comm !== undefined) out.push(new Label({ key: this.strings.dedup('comm'), str: this.strings.dedup(labels.comm) }));
    return out;
  }
}

/** The pprof message (not yet encoded) of `profile`. */
export function toPprof(profile: Profile): PprofProfile {
  const tables = new PprofTables();
  const valueType = (v: { type: string; unit: string }): PprofValueType =>
    new PprofValueType({ type: tables.strings.dedup(v.type), unit: tables.strings.dedup(v.unit) });
  const sampleType = profile.sampleTypes.map(valueType);
  const samples = profile.samples.map(
    (s) => new Sample({ locationId: s.stack.map((f) => tables.locationId(f)), value: s.values, label: tables.labels(s.labels) }),
  );
  for (const r of tables.mappings) {
    r.mapping.memoryStart = r.low;
    r.mapping.memoryLimit = r.high + 1n;
  }
  const message = new PprofProfile({
    sampleType,
    sample: samples,
    mapping: tables.mappings.map((r) => r.mapping),
    location: tables.locations,
    function: tables.functions,
    stringTable: tables.strings,
    timeNanos: hrTimeToNanos(profile.startTime),
    durationNanos: profile.durationNs,
  });
  if (profile.periodType !== undefined) message.periodType = valueType(profile.periodType);
  if (profile.period !== undefined) message.period = profile.period;
  return message;
}

/** `profile` as a gzipped profile.proto, ready for `go tool pprof`. */
export function encodePprof(profile: Profile): Buffer {
  return gzipSync(toPprof(profile).encode());
}
