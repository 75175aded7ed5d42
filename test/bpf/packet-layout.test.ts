/**
 * One source of truth for the packet receiver's records: layout.ts must equal
 * bpf/packet.h as compiled for BPF (the object's BTF) and for the host.
 */
import t from 'tap';
import { join } from 'node:path';
import { BPF_DIR, btfStructs, buildBpfObject, hostLayout } from './btf';
import { PACKET_DEFINES, PACKET_STRUCTS } from '../../receivers/packet/layout';

t.test('packet: layout.ts equals the BTF of bpf/.output/packet.bpf.o', async (t) => {
  const btf = btfStructs(buildBpfObject('packet'));
  for (const s of PACKET_STRUCTS) {
    const found = btf.get(s.name);
    if (!found) {
      t.fail(`struct ${s.name} is not in the object's BTF`);
      continue;
    }
    t.equal(found.size, s.size, `sizeof(struct ${s.name})`);
    t.same(Object.keys(found.members).sort(), Object.keys(s.members).sort(), `struct ${s.name}: the same members`);
    for (const [m, layout] of Object.entries(s.members)) t.same(found.members[m], layout, `struct ${s.name}.${m}: offset and size`);
    t.equal(Object.values(s.members).reduce((n, m) => n + m.size, 0), s.size, `struct ${s.name}: padding is explicit`);
  }
});

t.test('packet: layout.ts equals bpf/packet.h as the host compiler sees it', async (t) => {
  const host = hostLayout(join(BPF_DIR, 'packet.h'), Object.keys(PACKET_DEFINES), PACKET_STRUCTS);
  for (const [name, value] of Object.entries(PACKET_DEFINES)) t.equal(host.get(name), value, name);
  for (const s of PACKET_STRUCTS) {
    t.equal(host.get(`sizeof(struct ${s.name})`), s.size, `sizeof(struct ${s.name})`);
    for (const [m, layout] of Object.entries(s.members)) {
      t.equal(host.get(`offsetof(struct ${s.name}, ${m})`), layout.offset, `offsetof(struct ${s.name}, ${m})`);
      t.equal(host.get(`sizeof(${s.name}.${m})`), layout.size, `sizeof(${s.name}.${m})`);
    }
  }
});
