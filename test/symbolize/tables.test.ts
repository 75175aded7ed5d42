/** The lookup structures on hand-made input: symbol ranges, perf maps, kallsyms text, LRU bounds. */
import t from 'tap';
import { KernelSymbols } from '../../core/symbolize/kallsyms';
import { LruMap } from '../../core/lru-map';
import { parsePerfMap } from '../../core/symbolize/perf-map';
import { findMapping, parseExecMappings } from '../../core/symbolize/proc-maps';
import { SymbolTable } from '../../core/symbolize/symbol-table';

t.test('symbol ranges: inside named, past the end unknown, size 0 only at its address, enclosing symbols', async (t) => {
  const table = new SymbolTable([
    { start: 0x2000, size: 0x10, name: 'b' },
    { start: 0x1000, size: 0x100, name: 'outer' },
    { start: 0x1010, size: 0x8, name: 'inner' },
    { start: 0x3000, size: 0, name: 'label' },
    { start: 0x2000, size: 0x10, name: '__b' },
  ]);
  t.equal(table.length, 4, 'aliases at one address kept once');
  t.equal(table.lookup(0x2005)?.name, 'b', 'fewest leading underscores wins');
  t.equal(table.lookup(0x2010), undefined, 'one past the end');
  t.equal(table.lookup(0x1014)?.name, 'inner');
  t.equal(table.lookup(0x1020)?.name, 'outer', 'past inner, still inside outer');
  t.equal(table.lookup(0x3000)?.name, 'label');
  t.equal(table.lookup(0x3001), undefined);
  t.equal(table.lookup(0xfff), undefined, 'below every symbol');
});

t.test('perf map: hex with or without 0x, names with spaces, later lines replace earlier ones', async (t) => {
  const table = parsePerfMap('1000 20 LazyCompile:~a /x.js:1\n0x2000 0x10 b\nnot a line\n1000 30 LazyCompile:*a /x.js:1\n');
  t.equal(table.lookup(0x1025)?.name, 'LazyCompile:*a /x.js:1');
  t.equal(table.lookup(0x200f)?.name, 'b');
  t.equal(table.length, 2);
});

t.test('kallsyms: text symbols end at the next symbol of any type; zeros (not root) give nothing', async (t) => {
  const text = [
    'ffffffff81000000 T _text',
    'ffffffff81000100 T start_kernel',
    'ffffffff81000180 D some_data',
    'ffffffff81000200 t helper\t[mymod]',
    '',
  ].join('\n');
  const kernel = KernelSymbols.parse(text);
  t.equal(kernel.textBase, 0xffffffff81000000n);
  t.equal(kernel.lookup(0xffffffff8100017fn)?.name, 'start_kernel');
  t.equal(kernel.lookup(0xffffffff81000180n), undefined, 'the data symbol ends it');
  t.equal(kernel.lookup(0xffffffff81000200n)?.name, 'helper', 'the last symbol names its own address');
  t.equal(kernel.lookup(0xffffffff81000201n), undefined);
  t.notOk(KernelSymbols.parse('0000000000000000 T _text\n0000000000000000 T start_kernel\n').usable);
});

t.test('maps: executable mappings only, deleted suffix, anonymous and special ones', async (t) => {
  const maps = [
    '55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 1234 /usr/bin/app',
    '55d0c0a01000-55d0c0a05000 r-xp 00001000 08:01 1234 /usr/bin/app',
    '7f0000000000-7f0000010000 r-xp 00002000 fd:02 99 /tmp/gone (deleted)',
    '7f1000000000-7f1000001000 rwxp 00000000 00:00 0 ',
    '7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0 [vdso]',
  ].join('\n');
  const mappings = parseExecMappings(maps);
  t.same(
    mappings.map((m) => [m.path, m.fileBacked, m.deleted, m.fileId, m.fileOffset]),
    [
      ['/usr/bin/app', true, false, '8:1:1234', 0x1000],
      ['/tmp/gone', true, true, '253:2:99', 0x2000],
      ['[anon]', false, false, '0:0:0', 0],
      ['[vdso]', false, false, '0:0:0', 0],
    ],
  );
  t.equal(findMapping(mappings, 0x55d0c0a04fff)?.path, '/usr/bin/app');
  t.equal(findMapping(mappings, 0x55d0c0a05000), undefined, 'end is exclusive');
  t.equal(findMapping(mappings, 0x7f1000000010)?.path, '[anon]');
});

t.test('LRU: bounded, the least recently used goes first', async (t) => {
  const lru = new LruMap<string, number>(2);
  lru.set('a', 1);
  lru.set('b', 2);
  t.equal(lru.get('a'), 1);
  lru.set('c', 3);
  t.equal(lru.size, 2);
  t.equal(lru.peek('b'), undefined, 'b was the least recently used');
  t.equal(lru.peek('a'), 1);
  t.throws(() => new LruMap(0));
});
