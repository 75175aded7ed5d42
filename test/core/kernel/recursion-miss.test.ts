/**
 * Recursion misses for real: test/fixtures/bpf/recursion.bpf.c makes the
 * kernel skip its `reenter` program exactly once per getppid() of the
 * workload. The native programStats() reports them, and BpfReceiver counts
 * them as dropped (`recursion_miss`), as the syscall, tcp and packet
 * receivers do for their own programs at every collection.
 */
import t from 'tap';
import { join } from 'node:path';
import { openObject } from '../../../native/index';
import type { BpfObject } from '../../../native/api';
import { BpfReceiver } from '../../../core/kernel/bpf-receiver';
import type { CreateContext } from '../../../core/component';
import { BPF_FIXTURES, compileBpf } from '../../support/bpf-compile';
import { receiverContext } from '../../support/receiver-context';
import { kernelSkipReason, startWorkload } from '../../native/kernel';

const N = 300;
const skip = kernelSkipReason();
if (skip) t.comment(`kernel tests skipped: ${skip}`);

/** A receiver around the fixture: counts the misses of `reenter` at each collection. */
class RecursionReceiver extends BpfReceiver {
  constructor(ctx: CreateContext, private readonly targetPid: number) {
    super(ctx, 60_000);
  }

  get object(): BpfObject | undefined {
    return this.obj;
  }

  protected async load(): Promise<void> {
    const obj = openObject(compileBpf(join(BPF_FIXTURES, 'recursion.bpf.c')));
    this.obj = obj;
    obj.setConst('target_pid', this.targetPid);
    await obj.load();
    obj.attach('reenter');
    obj.attach('trigger');
  }

  collect(): void {
    this.countRecursionMisses(['trigger', 'reenter', 'not_a_program']);
  }

  protected detachAll(): void {}
}

t.test('programStats().recursionMisses and the recursion_miss drop count are exact', { skip }, async (t) => {
  const w = await startWorkload('getppid', N);
  t.teardown(() => w.kill());
  const ctx = receiverContext('recursion');
  const r = new RecursionReceiver(ctx, w.pid);
  await r.start();
  try {
    r.collect();
    t.equal(ctx.telemetry.dropped.get('recursion_miss'), undefined, 'nothing missed before the workload');
    await w.go();
    const stats = r.object?.programStats('reenter');
    t.equal(stats?.recursionMisses, BigInt(N), 'one miss of reenter per getppid()');
    t.equal(r.object?.programStats('trigger').recursionMisses, 0n, 'trigger never recursed');
    r.collect();
    t.equal(ctx.telemetry.dropped.get('recursion_miss'), N, 'N dropped for recursion_miss');
    r.collect();
    t.equal(ctx.telemetry.dropped.get('recursion_miss'), N, 'counted once: deltas, not totals');
  } finally {
    await r.shutdown();
  }
  t.equal(ctx.telemetry.dropped.get('recursion_miss'), N, 'the last collection at shutdown adds nothing new');
});
