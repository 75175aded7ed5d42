import t from 'tap';
import { effectiveCapabilities, missingCapabilities } from '../../../core/kernel/capabilities';
import { unmetRequirement } from '../../../core/kernel/requirements';

t.test('reads CapEff and finds what is missing', async (t) => {
  const root = effectiveCapabilities('Name:\tnode\nCapEff:\t000001ffffffffff\n');
  t.equal(root, 0x1ffffffffffn);
  t.same(missingCapabilities(['CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN'], root), []);
  t.same(missingCapabilities(['CAP_BPF', 'CAP_NET_ADMIN'], 0n), ['CAP_BPF', 'CAP_NET_ADMIN']);
  const sysAdminOnly = 1n << 21n;
  t.same(missingCapabilities(['CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN'], sysAdminOnly), ['CAP_NET_ADMIN'], 'CAP_SYS_ADMIN covers BPF and PERFMON');
  t.equal(effectiveCapabilities('no caps line'), 0n);
});

t.test('requirements name the first unmet one', async (t) => {
  t.equal(unmetRequirement({ capabilities: [], files: [{ path: '/nonexistent/x.bpf.o', hint: 'run ./setup.sh' }] }),
    '/nonexistent/x.bpf.o is missing; run ./setup.sh');
  const asRoot = process.getuid?.() === 0;
  t.equal(unmetRequirement({ capabilities: ['CAP_BPF'], btf: true }), asRoot ? undefined : 'needs CAP_BPF (run as root or grant them, e.g. setcap)');
});
