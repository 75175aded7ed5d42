/** A profile built by hand from known samples, shared by the writer tests. */
import type { Profile } from '../../core/profile/types';
import type { Frame, FrameKind } from '../../core/symbolize/types';

/** A frame at `address` in `module`. */
export function frame(name: string, module: string, address: bigint, kind: FrameKind = 'user'): Frame {
  return { name, module, address, offset: address & 0xffffn, kind };
}

const APP = '/app/bin';
const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';
const NODE = '/usr/bin/node';

/** A name that would end the page's script element if it were embedded unescaped. */
export const HOSTILE_NAME = '</script><script>window.pwned=1</script>';

/** Samples are counts; the second value is cpu time at 10 ms per sample. */
export function knownProfile(): Profile {
  const main = frame('main', APP, 0x401200n);
  const hot = frame('hot_loop', APP, 0x401150n);
  const values = (n: number): number[] => [n, n * 10_000_000];
  return {
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'cpu', unit: 'nanoseconds' },
    ],
    periodType: { type: 'cpu', unit: 'nanoseconds' },
    period: 10_000_000,
    startTime: [1_795_620_600, 250_000_000],
    durationNs: 10_000_000_000,
    samples: [
      { stack: [hot, main], values: values(3), labels: { pid: 100, tid: 101, comm: 'app' } },
      { stack: [frame('hot_loop', APP, 0x401150n), main], values: values(2), labels: { pid: 100, tid: 102, comm: 'app' } },
      {
        stack: [frame('do_sys_openat2', '[kernel]', 0xffffffff816b4af0n, 'kernel'), frame('__libc_open64', LIBC, 0x7f0000012340n), main],
        values: values(4),
        labels: { pid: 100, tid: 101, comm: 'app' },
      },
      {
        stack: [frame('LazyCompile:*hotJs /app/main.js:3', '[jit]', 0x3e0000001000n, 'jit'), frame('node::Start', NODE, 0x555500001000n)],
        values: values(1),
        labels: { pid: 200, tid: 200, comm: 'worker' },
      },
      { stack: [frame(HOSTILE_NAME, NODE, 0x555500002000n), frame('node::Start', NODE, 0x555500001000n)], values: values(1), labels: { pid: 200, comm: 'worker' } },
      { stack: [frame('[unknown]+0x10', '[unknown]', 0x10n, 'unknown')], values: values(2) },
    ],
  };
}
