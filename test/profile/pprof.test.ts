/**
 * pprof output decoded back with pprof-format: the same samples, values,
 * names and labels, and the structural rules `go tool pprof` checks.
 */
import t from 'tap';
import { gunzipSync } from 'node:zlib';
import { Profile as PprofProfile } from 'pprof-format';
import { encodePprof } from '../../core/profile/pprof';
import { knownProfile } from './known-profile';

const profile = knownProfile();
const encoded = encodePprof(profile);
const decoded = PprofProfile.decode(gunzipSync(encoded));
const strings = decoded.stringTable.strings;
const str = (i: number | bigint): string => {
  const s = strings[Number(i)];
  if (s === undefined) throw new Error(`string index ${i} out of range`);
  return s;
};

t.test('gzipped', async (t) => {
  t.equal(encoded[0], 0x1f);
  t.equal(encoded[1], 0x8b);
});

t.test('structure: string 0 is empty, every id referenced exists, ids nonzero and unique', async (t) => {
  t.equal(strings[0], '');
  const locationIds = decoded.location.map((l) => Number(l.id));
  const functionIds = new Set(decoded.function.map((f) => Number(f.id)));
  const mappingIds = new Set(decoded.mapping.map((m) => Number(m.id)));
  t.notOk(locationIds.includes(0), 'location ids nonzero');
  t.equal(new Set(locationIds).size, locationIds.length, 'location ids unique');
  t.notOk(functionIds.has(0), 'function ids nonzero');
  t.equal(functionIds.size, decoded.function.length, 'function ids unique');
  t.notOk(mappingIds.has(0), 'mapping ids nonzero');
  for (const s of decoded.sample) {
    t.equal(s.value.length, decoded.sampleType.length, 'one value per sample type');
    for (const id of s.locationId) t.ok(locationIds.includes(Number(id)), `location ${id} exists`);
    for (const l of s.label) {
      str(l.key);
      str(l.str);
    }
  }
  for (const l of decoded.location) {
    t.ok(mappingIds.has(Number(l.mappingId)), `mapping ${l.mappingId} exists`);
    t.equal(l.line.length, 1);
    t.ok(functionIds.has(Number(l.line[0]!.functionId)), `function ${l.line[0]!.functionId} exists`);
  }
  for (const f of decoded.function) {
    t.not(str(f.name), '', 'function names are not empty');
    str(f.systemName);
    str(f.filename);
  }
  for (const m of decoded.mapping) {
    t.ok(BigInt(m.memoryStart) < BigInt(m.memoryLimit), 'mapping range not empty');
    t.ok(m.hasFunctions);
  }
});

t.test('one Function per (name, module), one Location per (module, address), one Mapping per module', async (t) => {
  const all = profile.samples.flatMap((s) => s.stack);
  t.equal(decoded.function.length, new Set(all.map((f) => `${f.name}|${f.module}`)).size);
  t.equal(decoded.location.length, new Set(all.map((f) => `${f.module}|${f.address}`)).size);
  t.same(decoded.mapping.map((m) => str(m.filename)).sort(), [...new Set(all.map((f) => f.module))].sort());
  const app = decoded.mapping.find((m) => str(m.filename) === '/app/bin')!;
  t.equal(BigInt(app.memoryStart), 0x401150n);
  t.equal(BigInt(app.memoryLimit), 0x401201n);
});

t.test('samples decode to the same stacks, values and labels', async (t) => {
  const locations = new Map(decoded.location.map((l) => [Number(l.id), l]));
  const functions = new Map(decoded.function.map((f) => [Number(f.id), f]));
  const mappings = new Map(decoded.mapping.map((m) => [Number(m.id), m]));
  t.equal(decoded.sample.length, profile.samples.length);
  decoded.sample.forEach((s, i) => {
    const expected = profile.samples[i]!;
    const stack = s.locationId.map((id) => {
      const location = locations.get(Number(id))!;
      const fn = functions.get(Number(location.line[0]!.functionId))!;
      return { name: str(fn.name), module: str(mappings.get(Number(location.mappingId))!.filename), address: BigInt(location.address) };
    });
    t.same(
      stack,
      expected.stack.map((f) => ({ name: f.name, module: f.module, address: f.address })),
      `sample ${i} stack, leaf first`,
    );
    t.same(s.value.map(Number), expected.values, `sample ${i} values`);
    const labels: Record<string, string | number> = {};
    for (const l of s.label) labels[str(l.key)] = Number(l.str) !== 0 ? str(l.str) : Number(l.num);
    t.same(labels, expected.labels ?? {}, `sample ${i} labels`);
  });
});

t.test('sample types, period, time and duration', async (t) => {
  t.same(
    decoded.sampleType.map((v) => [str(v.type), str(v.unit)]),
    [
      ['samples', 'count'],
      ['cpu', 'nanoseconds'],
    ],
  );
  t.same([str(decoded.periodType!.type), str(decoded.periodType!.unit)], ['cpu', 'nanoseconds']);
  t.equal(Number(decoded.period), 10_000_000);
  t.equal(BigInt(decoded.timeNanos), 1_795_620_600_250_000_000n);
  t.equal(Number(decoded.durationNanos), 10_000_000_000);
});

t.test('long stacks, long names, large and fractional values decode exactly', async (t) => {
  const longName = `${'x'.repeat(300)}\u00e9`;
  const deep = Array.from({ length: 200 }, (_, i) => ({
    name: i === 7 ? longName : `f${i}`, module: i % 2 ? '/bin/a' : '[kernel]', address: 0xffffffff81000000n + BigInt(i * 16), offset: 0n, kind: 'user' as const,
  }));
  const big = {
    ...profile,
    samples: [{ stack: deep, values: [2 ** 40 + 3, 20_408_163.265306122 * 3], labels: { pid: 4_000_000, tid: 4_000_001, comm: 'deep' } }],
  };
  const d = PprofProfile.decode(gunzipSync(encodePprof(big)));
  const s = (i: number | bigint): string => d.stringTable.strings[Number(i)]!;
  const locations = new Map(d.location.map((l) => [Number(l.id), l]));
  const functions = new Map(d.function.map((f) => [Number(f.id), f]));
  const stack = d.sample[0]!.locationId.map((id) => {
    const l = locations.get(Number(id))!;
    return { name: s(functions.get(Number(l.line[0]!.functionId))!.name), address: BigInt(l.address) };
  });
  t.same(stack, deep.map((f) => ({ name: f.name, address: f.address })));
  t.same(d.sample[0]!.value.map(Number), [2 ** 40 + 3, 61_224_489], 'int64 values: the integer part');
  t.same(d.sample[0]!.label.map((l) => [s(l.key), Number(l.num), s(l.str)]), [['pid', 4_000_000, ''], ['tid', 4_000_001, ''], ['comm', 0, 'deep']]);
});
