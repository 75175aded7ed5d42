/** shutdown() before start() and twice; a failed start leaves nothing behind and says why. */
import t from 'tap';
import { SecurityReceiver } from '../../../receivers/security/receiver';
import { receiverContext } from '../../support/receiver-context';
import { securityConfig } from './harness';

t.test('shutdown before start, and twice', async (t) => {
  const r = new SecurityReceiver(securityConfig({}), receiverContext('security'));
  let completed = false;
  r.batches.subscribe({ complete: () => (completed = true) });
  await r.shutdown();
  await r.shutdown();
  t.ok(completed, 'the stream completes');
});

t.test('a missing object is one clear message naming the path', async (t) => {
  const r = new SecurityReceiver(securityConfig({}), receiverContext('security/x'), { objectPath: '/nonexistent/security.bpf.o' });
  await t.rejects(r.start(), /^security\/x: \/nonexistent\/security\.bpf\.o is missing: run \.\/setup\.sh \(or make -C bpf\)/);
  await r.shutdown();
});
