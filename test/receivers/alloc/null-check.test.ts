import t from 'tap';
import { execFileSync } from 'node:child_process';
import { nullCheckLength, nullCheckOffset } from '../../../receivers/alloc/null-check';
import { systemLibc } from '../../../receivers/alloc/targets';

t.test('a leading NULL check is recognised in its short, near and endbr64 forms, nothing else', async (t) => {
  const bytes = (...b: number[]): Buffer => Buffer.from([...b, ...Array<number>(16).fill(0x90)]);
  t.equal(nullCheckLength(bytes(0x48, 0x85, 0xff, 0x74, 0x10)), 5, 'test %rdi,%rdi; je rel8');
  t.equal(nullCheckLength(bytes(0x48, 0x85, 0xff, 0x0f, 0x84, 1, 0, 0, 0)), 9, 'test %rdi,%rdi; je rel32');
  t.equal(nullCheckLength(bytes(0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x85, 0xff, 0x74, 0x10)), 9, 'endbr64 first');
  t.equal(nullCheckLength(bytes(0x48, 0x85, 0xff, 0x75, 0x10)), 0, 'jne: the non-NULL path jumps away');
  t.equal(nullCheckLength(bytes(0x48, 0x85, 0xf6, 0x74, 0x10)), 0, 'test %rsi,%rsi: another argument');
  t.equal(nullCheckLength(bytes(0x55, 0x48, 0x89, 0xe5)), 0, 'an ordinary prologue');
  t.equal(nullCheckOffset('/lib/x86_64-linux-gnu/libc.so.6', 'free', 'arm64'), 0, 'x86_64 only');
  t.equal(nullCheckOffset('/nonexistent', 'free', 'x64'), 0, 'a missing file: the start');
});

t.test("this machine's C library: the offset agrees with objdump's disassembly of free", { skip: process.arch !== 'x64' && 'x86_64 instructions' }, async (t) => {
  const libc = systemLibc();
  const line = execFileSync('nm', ['-D', '--defined-only', libc]).toString().split('\n').find((l) => / T free(@|$)/.test(l));
  t.ok(line, 'nm finds free');
  const start = parseInt(line!.split(' ')[0]!, 16);
  const asm = execFileSync('objdump', ['-d', `--start-address=${start}`, `--stop-address=${start + 16}`, libc]).toString();
  const insns = asm.split('\n').filter((l) => /^\s+[0-9a-f]+:\t/.test(l)).map((l) => {
    const [addr, , text] = l.split('\t');
    return { at: parseInt(addr!.trim(), 16) - start, text: (text ?? '').trim().replace(/\s+/g, ' ') };
  });
  const i = insns[0]?.text === 'endbr64' ? 1 : 0;
  const expected = insns[i]?.text === 'test %rdi,%rdi' && /^je /.test(insns[i + 1]?.text ?? '') ? insns[i + 2]!.at : 0;
  t.equal(nullCheckOffset(libc, 'free'), expected, `free starts with: ${insns.slice(0, 3).map((x) => x.text).join('; ')}`);
});
