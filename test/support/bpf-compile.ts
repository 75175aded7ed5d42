/**
 * Compiles test BPF objects and helper C programs for the kernel tests, into
 * a cache under the OS temp dir (never in the work tree), rebuilding only
 * when a source is newer than its output. vmlinux.h is generated once from
 * /sys/kernel/btf/vmlinux with bpftool.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(__dirname, '..', '..');
/** The test BPF sources. */
export const BPF_FIXTURES = join(ROOT, 'test', 'fixtures', 'bpf');
/** Where compiled test objects are cached: one folder per user and work tree. */
export const BPF_CACHE = join(
  tmpdir(),
  `ebpf-pipeline-test-${process.getuid?.() ?? 0}-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`,
);

function mtime(p: string): number {
  return statSync(p).mtimeMs;
}

function stale(out: string, inputs: string[]): boolean {
  if (!existsSync(out)) return true;
  const t = mtime(out);
  return inputs.some((i) => mtime(i) > t);
}

/** Why BPF objects cannot be compiled here, or undefined when they can. */
export function bpfToolchainMissing(): string | undefined {
  for (const tool of ['clang', 'bpftool', 'cc']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'the kernel has no BTF (/sys/kernel/btf/vmlinux)';
  return undefined;
}

/** The directory holding vmlinux.h (generated on first use). */
export function vmlinuxDir(): string {
  const dir = join(BPF_CACHE, 'include');
  const header = join(dir, 'vmlinux.h');
  if (!existsSync(header) || mtime(header) < mtime('/sys/kernel/btf/vmlinux')) {
    mkdirSync(dir, { recursive: true });
    const text = execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c'], { maxBuffer: 512 * 1024 * 1024 });
    const tmp = `${header}.${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, header);
  }
  return dir;
}

/**
 * Compiles `source` (a .bpf.c path) into a cached .bpf.o and returns its path.
 * `headers` are extra files whose change forces a rebuild (the .h beside it).
 */
export function compileBpf(source: string, headers: string[] = []): string {
  const inc = vmlinuxDir();
  const out = join(BPF_CACHE, basename(source).replace(/\.c$/, '.o'));
  if (stale(out, [source, ...headers, join(inc, 'vmlinux.h')])) {
    mkdirSync(BPF_CACHE, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    execFileSync(
      'clang',
      ['-g', '-O2', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I', inc, '-I', dirname(source), '-c', source, '-o', tmp],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    renameSync(tmp, out);
  }
  return out;
}

/** Compiles a C program (a test workload) with cc into the cache; returns the binary's path. */
export function compileC(source: string): string {
  const out = join(BPF_CACHE, basename(source).replace(/\.c$/, ''));
  if (stale(out, [source])) {
    mkdirSync(BPF_CACHE, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    execFileSync('cc', ['-O1', '-g', '-o', tmp, source], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(tmp, out);
  }
  return out;
}
