/** The `profiles` config block and ProfileWriter on a real folder: names, rotation, errors. */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { Profile as PprofProfile } from 'pprof-format';
import { compileSchema } from '../../core/config/ajv';
import { silentLogger } from '../../core/logger';
import { foldedStacks } from '../../core/profile/folded';
import { ProfileWriter, fileTimestamp, profileOutputSchema, resolveProfileOutput } from '../../core/profile/output';
import { knownProfile } from './known-profile';

const dir = mkdtempSync(join(tmpdir(), 'profile-writer-test-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('schema: defaults, formats enum, unique formats, max_files >= 1', async (t) => {
  const validate = compileSchema(profileOutputSchema);
  const config: Record<string, unknown> = {};
  t.ok(validate(config));
  t.same(config, { directory: './profiles', formats: ['pprof', 'folded', 'html'], max_files: 100 });
  t.notOk(validate({ formats: ['svg'] }), 'unknown format');
  t.notOk(validate({ formats: ['html', 'html'] }), 'duplicate format');
  t.notOk(validate({ max_files: 0 }), 'max_files 0');
  t.notOk(validate({ directory: './p', extra: 1 }), 'unknown property');
  for (const [name, property] of Object.entries(profileOutputSchema.properties)) t.ok(property.description.length > 10, `${name} described`);
});

t.test('defaults resolved in code too, and when the block is embedded in a receiver schema', async (t) => {
  t.same(resolveProfileOutput(), { directory: './profiles', formats: ['pprof', 'folded', 'html'], max_files: 100 });
  t.same(resolveProfileOutput({ formats: ['html'] }), { directory: './profiles', formats: ['html'], max_files: 100 });
  const validate = compileSchema({
    type: 'object',
    additionalProperties: false,
    properties: { profiles: { ...profileOutputSchema, default: {} } },
  });
  const config: Record<string, unknown> = {};
  t.ok(validate(config));
  t.same(config, { profiles: { directory: './profiles', formats: ['pprof', 'folded', 'html'], max_files: 100 } });
});

t.test('timestamps are the UTC second', async (t) => {
  t.equal(fileTimestamp(Date.UTC(2026, 10, 25, 15, 30, 0, 999)), '20261125T153000Z');
});

t.test('writes the three formats under the component id, unique names, rotation at max_files', async (t) => {
  const out = join(dir, 'nested', 'profiles');
  const writer = new ProfileWriter({ directory: out, formats: ['pprof', 'folded', 'html'], max_files: 2 }, 'perf/app', silentLogger());
  const profile = knownProfile();
  const stamp = fileTimestamp(profile.startTime[0] * 1000);
  const first = await writer.write(profile);
  t.same(first, [`perf-app-${stamp}.pb.gz`, `perf-app-${stamp}.folded`, `perf-app-${stamp}.html`].map((n) => join(out, n)));
  t.equal(readFileSync(first[1]!, 'utf8'), foldedStacks(profile));
  t.equal(PprofProfile.decode(gunzipSync(readFileSync(first[0]!))).sample.length, profile.samples.length);
  t.ok(readFileSync(first[2]!, 'utf8').includes(`<title>perf/app ${stamp}</title>`), 'html titled with the component id and time');

  // Same start second twice more, concurrently: still unique names.
  const [second, third] = await Promise.all([writer.write(profile), writer.write(profile)]);
  t.same(second!.map((p) => p.slice(out.length + 1)), [`perf-app-${stamp}-1.pb.gz`, `perf-app-${stamp}-1.folded`, `perf-app-${stamp}-1.html`]);
  t.same(third!.map((p) => p.slice(out.length + 1)), [`perf-app-${stamp}-2.pb.gz`, `perf-app-${stamp}-2.folded`, `perf-app-${stamp}-2.html`]);
  t.same(readdirSync(out).sort(), [...second!, ...third!].map((p) => p.slice(out.length + 1)).sort(), 'the oldest set was deleted: 2 per format');

  // A later profile sorts after the -N ones; another component's files are never touched.
  writeFileSync(join(out, `perf-${stamp}.folded`), 'other component\n');
  const later = { ...profile, startTime: [profile.startTime[0] + 3600, 0] as [number, number] };
  const fourth = await writer.write(later);
  t.ok(fourth.every((p) => p.includes(fileTimestamp(later.startTime[0] * 1000))));
  t.same(
    readdirSync(out).filter((n) => n.endsWith('.folded')).sort(),
    [`perf-${stamp}.folded`, `perf-app-${stamp}-2.folded`, `perf-app-${fileTimestamp(later.startTime[0] * 1000)}.folded`].sort(),
  );
  t.equal(writer.errors, 0);
});

t.test('only the configured formats', async (t) => {
  const out = join(dir, 'folded-only');
  const writer = new ProfileWriter({ directory: out, formats: ['folded'] }, 'alloc', silentLogger());
  const paths = await writer.write(knownProfile());
  t.equal(paths.length, 1);
  t.match(paths[0]!, /\/alloc-\d{8}T\d{6}Z\.folded$/);
});

t.test('a write error is logged with the component id and counted, not thrown', async (t) => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const blocker = join(dir, 'a-file');
  writeFileSync(blocker, 'x');
  const writer = new ProfileWriter({ directory: join(blocker, 'profiles'), formats: ['pprof', 'html'], max_files: 5 }, 'perf/blocked', logger);
  t.same(await writer.write(knownProfile()), []);
  t.equal(writer.errors, 2, 'both formats counted');
  const logged = JSON.parse(lines[0]!) as { component: string; msg: string; err: string };
  t.equal(logged.component, 'perf/blocked');
  t.match(logged.msg, /cannot create the profile directory/);
  t.match(logged.err, /ENOTDIR/);

  // Under /proc (where Node 20's recursive mkdir never returns): an error, promptly.
  const proc = new ProfileWriter({ directory: '/proc/ebpf-pipeline-test/profiles', formats: ['folded'], max_files: 5 }, 'perf', logger);
  t.same(await proc.write(knownProfile()), []);
  t.equal(proc.errors, 1);
  t.notOk(existsSync('/proc/ebpf-pipeline-test'));
});
