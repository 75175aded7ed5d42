/**
 * The files the perf receiver writes for a real workload: the pprof profile
 * decodes with pprof-format and passes the structural checks `go tool pprof`
 * makes, the folded stacks and the flame graph name hot_loop, and the flame
 * graph renders in headless Chromium without errors (screenshot kept in
 * test/.artifacts/perf-flame.png).
 */
import t from 'tap';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile as PprofProfile } from 'pprof-format';
import { probePerf } from '../../../receivers/perf';
import { chromiumMissing, renderInChromium } from '../../support/chromium';
import { startBurn, withPerfReceiver } from './harness';

const ARTIFACTS = join(__dirname, '..', '..', '.artifacts');
const cannot = probePerf({});
const skip = cannot ? `the perf receiver cannot run here: ${cannot}` : false;
if (skip) t.comment(`skipping: ${skip}`);

t.test('intervals without samples write no files; the last profile is written at shutdown all the same', { skip }, async (t) => {
  const idle = await startBurn(1, 'perfidle'); // waits on its stdin: never runs
  const r = await withPerfReceiver({ frequency: 99, pids: [idle.pid], collection_interval: '300ms' }, async () => {
    await new Promise((res) => setTimeout(res, 1100));
  });
  await idle.go();
  t.equal(r.paths.length, 1, 'one profile: the one at shutdown');
  t.equal(r.profiles[0]?.samples.length, 0, 'with no samples');
  t.equal(r.paths[0]?.length, 3, 'in every format');
});

t.test('pprof, folded and HTML files of a real profile', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-output-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const burn = await startBurn(1200, 'perfout');
  const r = await withPerfReceiver({ frequency: 999, pids: [burn.pid], collection_interval: '1h', profiles: { directory: dir } }, async () => {
    await burn.go();
  });
  t.equal(r.paths.length, 1, 'one profile (written at shutdown)');
  const files = r.paths[0] ?? [];
  const byExt = (ext: string): string => files.find((f) => f.endsWith(ext)) ?? '';
  t.equal(files.length, 3, `three files: ${files.join(', ')}`);
  t.match(byExt('.pb.gz'), /\/perf-\d{8}T\d{6}Z\.pb\.gz$/, 'named after the component and the start time');

  // pprof: decodes, sample types, period, and every reference resolves.
  const pprof = PprofProfile.decode(gunzipSync(readFileSync(byExt('.pb.gz'))));
  const strings = pprof.stringTable.strings;
  const str = (i: number | bigint): string => {
    const s = strings[Number(i)];
    if (s === undefined) throw new Error(`string index ${i} out of range`);
    return s;
  };
  t.equal(strings[0], '', 'string 0 is empty');
  t.same(pprof.sampleType.map((v) => `${str(v.type)}/${str(v.unit)}`), ['samples/count', 'cpu/nanoseconds']);
  t.equal(`${str(pprof.periodType!.type)}/${str(pprof.periodType!.unit)}`, 'cpu/nanoseconds');
  t.equal(Number(pprof.period), Math.round(1e9 / 999), 'period = 1e9 / frequency');
  const locations = new Map(pprof.location.map((l) => [Number(l.id), l]));
  const functions = new Map(pprof.function.map((f) => [Number(f.id), f]));
  const mappings = new Map(pprof.mapping.map((m) => [Number(m.id), m]));
  t.equal(locations.size, pprof.location.length, 'location ids unique');
  t.equal(functions.size, pprof.function.length, 'function ids unique');
  t.notOk(locations.has(0) || functions.has(0) || mappings.has(0), 'ids nonzero');
  let broken = 0;
  let total = 0;
  let hotLeaf = 0;
  for (const s of pprof.sample) {
    if (s.value.length !== 2) broken++;
    total += Number(s.value[0]);
    s.locationId.forEach((id, i) => {
      const loc = locations.get(Number(id));
      if (!loc || !mappings.has(Number(loc.mappingId)) || loc.line.length === 0) return void broken++;
      const fn = functions.get(Number(loc.line[0]!.functionId));
      if (!fn) return void broken++;
      if (i === 0 && str(fn.name) === 'hot_loop') hotLeaf += Number(s.value[0]);
    });
    for (const l of s.label) {
      str(l.key);
      str(l.str);
    }
  }
  t.equal(broken, 0, 'every sample, location, function and mapping reference resolves');
  t.ok(total > 800, `samples in the pprof (${total})`);
  t.ok(hotLeaf / total > 0.8, `hot_loop is the leaf of ${(100 * hotLeaf / total).toFixed(1)}% of them`);
  const mapping = [...mappings.values()].find((m) => str(m.filename).endsWith('perf-burn'));
  t.ok(mapping && BigInt(mapping.memoryStart) < BigInt(mapping.memoryLimit), 'the binary\'s mapping has a range');

  // Folded stacks: comm first, then root to leaf.
  const folded = readFileSync(byExt('.folded'), 'utf8');
  t.match(folded, /^perfout;.*main;hot_loop \d+$/m, 'a folded line perfout;...;main;hot_loop N');
  const foldedTotal = folded.trim().split('\n').reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  t.equal(foldedTotal, total, 'folded totals equal the pprof samples');

  // The flame graph renders, with no error, and names hot_loop.
  const html = readFileSync(byExt('.html'), 'utf8');
  t.match(html, /hot_loop/);
  const noChromium = chromiumMissing();
  if (noChromium) {
    t.comment(`not rendered: ${noChromium}`);
    return;
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const screenshot = join(ARTIFACTS, 'perf-flame.png');
  const result = await renderInChromium(byExt('.html'), screenshot);
  t.same(result.pageErrors, [], 'no page errors');
  t.same(result.consoleErrors, [], 'no console errors');
  t.match(result.text, /hot_loop/, 'hot_loop is on the page');
  t.ok(readFileSync(screenshot).length > 1000, `screenshot kept: ${screenshot}`);
});
