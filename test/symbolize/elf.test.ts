/** The ELF reader against binutils (readelf, nm) on files the test compiles, and on the system's libc. */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readElfFile } from '../../core/symbolize/elf';
import { buildPrograms, nmAddress } from './workload';

const builds = buildPrograms();
t.teardown(() => rmSync(builds.dir, { recursive: true, force: true }));

function readelfBuildId(path: string): string {
  const m = /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', path], { encoding: 'utf8' }));
  if (m === null) throw new Error(`no build id in ${path}`);
  return m[1]!;
}

function readelfLoads(path: string): { fileOffset: number; vaddr: number; fileSize: number }[] {
  const out = execFileSync('readelf', ['-lW', path], { encoding: 'utf8' });
  return [...out.matchAll(/^\s+LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x([0-9a-f]+)/gm)].map((m) => ({
    fileOffset: parseInt(m[1]!, 16),
    vaddr: parseInt(m[2]!, 16),
    fileSize: parseInt(m[3]!, 16),
  }));
}

for (const path of [builds.pie, builds.nonPie, builds.library]) {
  t.test(path, async (t) => {
    const elf = readElfFile(path);
    t.equal(elf.buildId, readelfBuildId(path));
    t.same(elf.loads, readelfLoads(path));
    const symbol = path === builds.library ? 'lib_function' : 'hot_loop';
    t.same(elf.symbols.lookup(Number(nmAddress(path, symbol))), { name: symbol, start: Number(nmAddress(path, symbol)) });
  });
}

const libc = execFileSync('cc', ['-print-file-name=libc.so.6'], { encoding: 'utf8' }).trim();
const getpid = /^([0-9a-f]+) [TW] getpid(@@\S+)?$/m.exec(execFileSync('nm', ['-D', '--defined-only', libc], { encoding: 'utf8' }));
const libcSkip = getpid === null ? `no getpid in nm -D ${libc}` : false;
if (libcSkip) t.comment(`skipping: ${libcSkip}`);

t.test('a stripped system library is named from .dynsym (the alias without underscores)', { skip: libcSkip }, async (t) => {
  const elf = readElfFile(libc);
  t.equal(elf.symbols.lookup(parseInt(getpid![1]!, 16) + 1)?.name, 'getpid');
});

t.test('not an ELF file', async (t) => {
  const text = join(builds.dir, 'text');
  writeFileSync(text, 'just some text, longer than an ELF header of sixty-four bytes.........\n');
  t.throws(() => readElfFile(text), /not an ELF file/);
});

t.test('a truncated or lying ELF is refused, not read past its end', async (t) => {
  const bytes = readFileSync(builds.nonPie);
  const truncated = join(builds.dir, 'truncated');
  writeFileSync(truncated, bytes.subarray(0, 4096));
  t.throws(() => readElfFile(truncated), /past the end of the file/);
  const lying = Buffer.from(bytes);
  lying.writeBigUInt64LE(1n << 40n, 40); // e_shoff far beyond the file
  const lyingPath = join(builds.dir, 'lying');
  writeFileSync(lyingPath, lying);
  t.throws(() => readElfFile(lyingPath), /past the end of the file/);
});
