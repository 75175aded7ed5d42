/** Folded stacks of a known profile, exactly. */
import t from 'tap';
import { foldedStacks } from '../../core/profile/folded';
import { HOSTILE_NAME, frame, knownProfile } from './known-profile';

t.test('root first, comm as root, kernel frames _[k], equal stacks merged, sorted', async (t) => {
  t.equal(
    foldedStacks(knownProfile()),
    [
      '[unknown]+0x10 2',
      'app;main;__libc_open64;do_sys_openat2_[k] 4',
      'app;main;hot_loop 5',
      `worker;node::Start;${HOSTILE_NAME} 1`,
      'worker;node::Start;LazyCompile:*hotJs /app/main.js:3 1',
      '',
    ].join('\n'),
  );
});

t.test('the second value, in nanoseconds', async (t) => {
  t.match(foldedStacks(knownProfile(), 1), /^app;main;hot_loop 50000000$/m);
});

t.test('separators in names cannot split a frame; zero totals and empty profiles give no lines', async (t) => {
  const profile = knownProfile();
  profile.samples = [
    { stack: [frame('operator;weird\nname', '/x', 1n)], values: [7, 0] },
    { stack: [frame('idle', '/x', 2n)], values: [0, 0] },
  ];
  t.equal(foldedStacks(profile), 'operator:weird name 7\n');
  profile.samples = [];
  t.equal(foldedStacks(profile), '');
});
