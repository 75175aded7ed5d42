/**
 * Reads struct layouts from a compiled BPF object's BTF (`bpftool -j btf
 * dump file`), and a header's defines and layouts through a host C compiler,
 * so the layout tests can compare them with a decoder's layout.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type StructLayout } from '../../core/kernel/bpf-records';

/** The repository's bpf/ folder. */
export const BPF_DIR = resolve(__dirname, '../../bpf');

interface BtfType {
  id: number;
  kind: string;
  name: string;
  size?: number;
  type_id?: number;
  nr_elems?: number;
  members?: Array<{ name: string; type_id: number; bits_offset: number; bitfield_size?: number }>;
}

/** A struct as BTF describes it: size and member offset/size in bytes (NaN for a bitfield). */
export interface BtfStruct {
  name: string;
  size: number;
  members: Record<string, { offset: number; size: number }>;
}

/** Builds bpf/ (incremental) and returns the path of `.output/<name>.bpf.o`. */
export function buildBpfObject(name: string): string {
  execFileSync('make', ['-s', '-C', BPF_DIR], { stdio: ['ignore', 'ignore', 'pipe'] });
  return join(BPF_DIR, '.output', `${name}.bpf.o`);
}

/** Every named struct in the object's BTF. */
export function btfStructs(objectPath: string): Map<string, BtfStruct> {
  const json = execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', objectPath], { maxBuffer: 64 << 20 }).toString();
  const types = new Map<number, BtfType>();
  for (const t of (JSON.parse(json) as { types: BtfType[] }).types) types.set(t.id, t);
  const sizeOf = (id: number): number => {
    const t = types.get(id);
    if (!t) throw new Error(`BTF type ${id} missing`);
    switch (t.kind) {
      case 'INT': case 'STRUCT': case 'UNION': case 'ENUM': case 'ENUM64': case 'FLOAT': return t.size as number;
      case 'PTR': return 8;
      case 'ARRAY': return (t.nr_elems as number) * sizeOf(t.type_id as number);
      case 'TYPEDEF': case 'CONST': case 'VOLATILE': case 'RESTRICT': case 'TYPE_TAG': return sizeOf(t.type_id as number);
      default: throw new Error(`BTF type ${id} (${t.kind}) has no size`);
    }
  };
  const out = new Map<string, BtfStruct>();
  for (const t of types.values()) {
    if (t.kind !== 'STRUCT' || !t.name || t.name === '(anon)') continue;
    const members: BtfStruct['members'] = {};
    for (const m of t.members ?? []) {
      // A bitfield has no byte layout: NaN never equals a layout.ts entry.
      members[m.name] = m.bitfield_size ? { offset: NaN, size: NaN } : { offset: m.bits_offset / 8, size: sizeOf(m.type_id) };
    }
    out.set(t.name, { name: t.name, size: t.size as number, members });
  }
  return out;
}

/**
 * Compiles a host program that includes `header` and prints each define's
 * value and each struct's size and member offsets/sizes, as the C compiler
 * of user space sees them. Returns the printed values by name:
 * `NAME`, `sizeof(struct s)`, `offsetof(struct s, m)`, `sizeof(s.m)`.
 */
export function hostLayout(header: string, defines: readonly string[], structs: readonly StructLayout[]): Map<string, number> {
  const lines = ['#include <stdio.h>', '#include <stddef.h>', '#include <linux/types.h>', `#include "${resolve(header)}"`, 'int main(void) {'];
  for (const d of defines) lines.push(`  printf("%s=%lld\\n", "${d}", (long long)(${d}));`);
  for (const s of structs) {
    lines.push(`  printf("sizeof(struct ${s.name})=%zu\\n", sizeof(struct ${s.name}));`);
    for (const m of Object.keys(s.members)) {
      lines.push(`  printf("offsetof(struct ${s.name}, ${m})=%zu\\n", offsetof(struct ${s.name}, ${m}));`);
      lines.push(`  printf("sizeof(${s.name}.${m})=%zu\\n", sizeof(((struct ${s.name} *)0)->${m}));`);
    }
  }
  lines.push('  return 0;', '}');
  const dir = mkdtempSync(join(tmpdir(), 'layout-'));
  try {
    writeFileSync(join(dir, 'layout.c'), lines.join('\n') + '\n');
    execFileSync('cc', ['-Wall', '-Werror', '-o', join(dir, 'layout'), join(dir, 'layout.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const out = execFileSync(join(dir, 'layout')).toString();
    return new Map(out.trim().split('\n').map((l) => {
      const i = l.lastIndexOf('=');
      return [l.slice(0, i), Number(l.slice(i + 1))] as [string, number];
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
