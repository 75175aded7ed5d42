/**
 * bpf/perf.h and receivers/perf/layout.ts agree: the compiled object's BTF
 * and the host compiler's view, member by member, and every define.
 */
import t from 'tap';
import { join } from 'node:path';
import { BPF_DIR, btfStructs, buildBpfObject, hostLayout } from './btf';
import { PERF_DEFINES, PERF_STRUCTS } from '../../receivers/perf/layout';

t.test('perf: layout.ts equals the BTF of bpf/.output/perf.bpf.o', async (t) => {
  const btf = btfStructs(buildBpfObject('perf'));
  for (const s of PERF_STRUCTS) {
    const found = btf.get(s.name);
    if (!found) {
      t.fail(`struct ${s.name} is not in the object's BTF`);
      continue;
    }
    t.equal(found.size, s.size, `sizeof(struct ${s.name})`);
    t.same(Object.keys(found.members).sort(), Object.keys(s.members).sort(), `struct ${s.name}: the same members`);
    for (const [m, layout] of Object.entries(s.members)) t.same(found.members[m], layout, `struct ${s.name}.${m}`);
    const covered = Object.values(s.members).reduce((n, m) => n + m.size, 0);
    t.equal(covered, s.size, `struct ${s.name}: padding is explicit`);
  }
});

t.test('perf: layout.ts equals bpf/perf.h as the host compiler sees it', async (t) => {
  const host = hostLayout(join(BPF_DIR, 'perf.h'), Object.keys(PERF_DEFINES), PERF_STRUCTS);
  for (const [name, value] of Object.entries(PERF_DEFINES)) t.equal(host.get(name), value, name);
  for (const s of PERF_STRUCTS) {
    t.equal(host.get(`sizeof(struct ${s.name})`), s.size, `sizeof(struct ${s.name})`);
    for (const [m, layout] of Object.entries(s.members)) {
      t.equal(host.get(`offsetof(struct ${s.name}, ${m})`), layout.offset, `offsetof(struct ${s.name}, ${m})`);
      t.equal(host.get(`sizeof(${s.name}.${m})`), layout.size, `sizeof(${s.name}.${m})`);
    }
  }
});
