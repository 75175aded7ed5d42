/** The generated syscall and errno tables. */
import t from 'tap';
import { errnoName, syscallName, syscallTable } from '../../../receivers/syscall/syscall-table';

t.test('x86_64', async (t) => {
  const x86 = syscallTable('x64');
  t.equal(x86.names.get(0), 'read');
  t.equal(x86.names.get(3), 'close');
  t.equal(x86.names.get(110), 'getppid');
  t.equal(x86.names.get(230), 'clock_nanosleep');
  t.equal(x86.names.get(435), 'clone3');
  t.equal(x86.ids.get('getppid'), 110);
  t.equal(x86.ids.get('openat'), 257);
  t.equal(x86.names.get(462), 'mseal', 'newer than the headers: from the NEWER list');
  t.equal(syscallName(x86, 999), 'syscall_999');
});

t.test('arm64 (generic table)', async (t) => {
  const arm = syscallTable('arm64');
  t.equal(arm.names.get(173), 'getppid');
  t.equal(arm.names.get(63), 'read');
  t.equal(arm.names.get(57), 'close');
  t.equal(arm.names.get(56), 'openat');
  t.equal(arm.names.get(25), 'fcntl', '__NR3264_fcntl resolved for 64-bit');
  t.equal(arm.names.get(79), 'newfstatat');
  t.equal(arm.names.get(115), 'clock_nanosleep');
  t.equal(arm.ids.get('open'), undefined, 'no open(2) on arm64');
  t.equal(arm.names.get(435), 'clone3');
});

t.test('errno names', async (t) => {
  t.equal(errnoName(9), 'EBADF');
  t.equal(errnoName(2), 'ENOENT');
  t.equal(errnoName(11), 'EAGAIN', 'the first name of a number (not EWOULDBLOCK)');
  t.equal(errnoName(516), 'ERESTART_RESTARTBLOCK', 'kernel-internal');
  t.equal(errnoName(4000), '4000');
});

t.test('an architecture without a table', async (t) => {
  t.throws(() => syscallTable('riscv64'), /no syscall table for architecture riscv64/);
});
