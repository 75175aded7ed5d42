/**
 * One source of truth for record layouts: the decoder's layout.ts must equal
 * the C structs, as compiled for BPF (the object's BTF) and for the host
 * (offsetof/sizeof through cc), member by member; and the defines must match.
 */
import t from 'tap';
import { join } from 'node:path';
import { BPF_DIR, btfStructs, buildBpfObject, hostLayout } from './btf';
import { SYSCALL_DEFINES, SYSCALL_STRUCTS } from '../../receivers/syscall/layout';
import { type StructLayout } from '../../core/kernel/bpf-records';

const receivers: Array<{ name: string; structs: readonly StructLayout[]; defines: Readonly<Record<string, number>> }> = [
  { name: 'syscall', structs: SYSCALL_STRUCTS, defines: SYSCALL_DEFINES },
];

for (const r of receivers) {
  t.test(`${r.name}: layout.ts equals the BTF of bpf/.output/${r.name}.bpf.o`, async (t) => {
    const btf = btfStructs(buildBpfObject(r.name));
    for (const s of r.structs) {
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
      // No hidden padding: members cover the struct exactly.
      const covered = Object.values(s.members).reduce((n, m) => n + m.size, 0);
      t.equal(covered, s.size, `struct ${s.name}: padding is explicit`);
    }
  });

  t.test(`${r.name}: layout.ts equals bpf/${r.name}.h as the host compiler sees it`, async (t) => {
    const host = hostLayout(join(BPF_DIR, `${r.name}.h`), Object.keys(r.defines), r.structs);
    for (const [name, value] of Object.entries(r.defines)) t.equal(host.get(name), value, name);
    for (const s of r.structs) {
      t.equal(host.get(`sizeof(struct ${s.name})`), s.size, `sizeof(struct ${s.name})`);
      for (const [m, layout] of Object.entries(s.members)) {
        t.equal(host.get(`offsetof(struct ${s.name}, ${m})`), layout.offset, `offsetof(struct ${s.name}, ${m})`);
        t.equal(host.get(`sizeof(${s.name}.${m})`), layout.size, `sizeof(${s.name}.${m})`);
      }
    }
  });
}
