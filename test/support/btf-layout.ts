/**
 * The layout test every BPF object gets: the decoder's layout.ts (structs
 * and defines) must equal bpf/<object>.h as compiled for BPF (the object's
 * BTF) and for the host (offsetof/sizeof through cc), member by member, with
 * every byte of padding explicit.
 */
import type { Test } from 'tap';
import { join } from 'node:path';
import type { StructLayout } from '../../core/kernel/bpf-records';
import { BPF_DIR, btfStructs, buildBpfObject, hostLayout } from './btf';

/** What a receiver's layout.ts declares for its BPF object. */
export interface ObjectLayouts {
  /** The record structs shared by bpf/<object>.h and the decoder. */
  readonly structs: readonly StructLayout[];
  /** The defines of bpf/<object>.h the decoder relies on, by name. */
  readonly defines: Readonly<Record<string, number>>;
}

/**
 * Adds two subtests to `t`: `layouts` against the BTF of
 * bpf/.output/<objectName>.bpf.o (built first, incrementally), and against
 * bpf/<objectName>.h as the host C compiler sees it.
 */
export function checkLayouts(t: Test, objectName: string, layouts: ObjectLayouts): void {
  const { structs, defines } = layouts;

  t.test(`${objectName}: layout.ts equals the BTF of bpf/.output/${objectName}.bpf.o`, async (t) => {
    const btf = btfStructs(buildBpfObject(objectName));
    for (const s of structs) {
      const found = btf.get(s.name);
      if (!found) {
        t.fail(`struct ${s.name} is not in the object's BTF (is it used by a map, or by an unused_* global?)`);
        continue;
      }
      t.equal(found.size, s.size, `sizeof(struct ${s.name})`);
      t.same(Object.keys(found.members).sort(), Object.keys(s.members).sort(), `struct ${s.name}: the same members`);
      for (const [m, layout] of Object.entries(s.members)) {
        t.same(found.members[m], layout, `struct ${s.name}.${m}: offset and size`);
      }
      // No hidden padding: the members cover the struct exactly.
      const covered = Object.values(s.members).reduce((n, m) => n + m.size, 0);
      t.equal(covered, s.size, `struct ${s.name}: padding is explicit`);
    }
  });

  t.test(`${objectName}: layout.ts equals bpf/${objectName}.h as the host compiler sees it`, async (t) => {
    const host = hostLayout(join(BPF_DIR, `${objectName}.h`), Object.keys(defines), structs);
    for (const [name, value] of Object.entries(defines)) t.equal(host.get(name), value, name);
    for (const s of structs) {
      t.equal(host.get(`sizeof(struct ${s.name})`), s.size, `sizeof(struct ${s.name})`);
      for (const [m, layout] of Object.entries(s.members)) {
        t.equal(host.get(`offsetof(struct ${s.name}, ${m})`), layout.offset, `offsetof(struct ${s.name}, ${m})`);
        t.equal(host.get(`sizeof(${s.name}.${m})`), layout.size, `sizeof(${s.name}.${m})`);
      }
    }
  });
}
