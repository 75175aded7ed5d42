import t from 'tap';
import { createHash } from 'node:crypto';
import { TestScheduler } from 'rxjs/testing';
import type { Attributes, Batch, MetricRecord } from '../../core/signals';
import { applyAttributeActions, attributesOperator, type AttributeAction } from '../../processors/attributes/operator';
import { hashAttributeValue } from '../../processors/attributes/hash';
import { attributesProcessorFactory, resolveAttributeActions } from '../../processors/attributes';
import type { AttributesConfig } from '../../processors/attributes/config';

const resource = { attributes: {} };
const scope = { name: 'test' };
const m = (attributes: Attributes): MetricRecord => ({
  resource, scope, name: 'x', type: 'gauge', temporality: 'cumulative', attributes, startTime: [0, 0], time: [1, 0], value: 1,
});
const metrics = (...records: MetricRecord[]): Batch => ({ signal: 'metrics', records });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function scheduler(t: { same(a: unknown, b: unknown): boolean }): TestScheduler {
  return new TestScheduler((actual, expected) => t.same(actual, expected));
}

const apply = (attrs: Attributes, ...actions: AttributeAction[]) => applyAttributeActions(attrs, actions);

t.test('insert: only when the key is absent', async (t) => {
  t.same(apply({}, { action: 'insert', key: 'k', value: 'v' }), { k: 'v' });
  t.same(apply({ k: 'old' }, { action: 'insert', key: 'k', value: 'v' }), { k: 'old' });
  t.same(apply({ src: 1 }, { action: 'insert', key: 'k', fromAttribute: 'src' }), { src: 1, k: 1 });
  t.same(apply({}, { action: 'insert', key: 'k', fromAttribute: 'src' }), {}, 'missing from_attribute: no-op');
});

t.test('update: only when the key is present', async (t) => {
  t.same(apply({}, { action: 'update', key: 'k', value: 'v' }), {});
  t.same(apply({ k: 'old' }, { action: 'update', key: 'k', value: 'v' }), { k: 'v' });
  t.same(apply({ k: 'old', src: 's' }, { action: 'update', key: 'k', fromAttribute: 'src' }), { k: 's', src: 's' });
});

t.test('upsert: always', async (t) => {
  t.same(apply({}, { action: 'upsert', key: 'k', value: 3 }), { k: 3 });
  t.same(apply({ k: 'old' }, { action: 'upsert', key: 'k', value: true }), { k: true });
  t.same(apply({ k: 'old' }, { action: 'upsert', key: 'k', fromAttribute: 'nope' }), { k: 'old' });
});

t.test('delete', async (t) => {
  t.same(apply({ k: 1, j: 2 }, { action: 'delete', key: 'k' }), { j: 2 });
  const same = { j: 2 };
  t.equal(apply(same, { action: 'delete', key: 'k' }), same, 'absent key: same object');
});

t.test('hash: SHA-256 hex of the bytes the Collector hashes', async (t) => {
  t.equal(hashAttributeValue('alice'), sha256(Buffer.from('alice')));
  t.equal(hashAttributeValue('alice'), '2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90');
  t.equal(hashAttributeValue(true), sha256(Buffer.from([1])));
  t.equal(hashAttributeValue(false), sha256(Buffer.from([0])));
  const i = Buffer.alloc(8);
  i.writeBigInt64LE(-2n);
  t.equal(hashAttributeValue(-2), sha256(i));
  t.equal(hashAttributeValue(-2n), sha256(i));
  const d = Buffer.alloc(8);
  d.writeDoubleLE(1.5);
  t.equal(hashAttributeValue(1.5), sha256(d));
  t.equal(hashAttributeValue(['a']), '');
  t.same(apply({ user: 'alice' }, { action: 'hash', key: 'user' }), { user: sha256(Buffer.from('alice')) });
  t.same(apply({}, { action: 'hash', key: 'user' }), {});
});

t.test('rename: moves the value, overwrites new_key, no-op when absent', async (t) => {
  t.same(apply({ a: 1 }, { action: 'rename', key: 'a', newKey: 'b' }), { b: 1 });
  t.same(apply({ a: 1, b: 2 }, { action: 'rename', key: 'a', newKey: 'b' }), { b: 1 });
  t.same(apply({ b: 2 }, { action: 'rename', key: 'a', newKey: 'b' }), { b: 2 });
});

t.test('actions apply in order', async (t) => {
  const actions: AttributeAction[] = [
    { action: 'insert', key: 'copy', fromAttribute: 'user' },
    { action: 'hash', key: 'user' },
    { action: 'rename', key: 'copy', newKey: 'user.plain' },
    { action: 'update', key: 'user.plain', value: 'redacted' },
    { action: 'delete', key: 'tmp' },
  ];
  t.same(applyAttributeActions({ user: 'bob', tmp: 1 }, actions), { user: sha256(Buffer.from('bob')), 'user.plain': 'redacted' });
  t.same(applyAttributeActions({ user: 'bob' }, [...actions].reverse()), { user: sha256(Buffer.from('bob')), copy: sha256(Buffer.from('bob')) }, 'reversed: the copy is made after hashing');
});

t.test('operator: changed records are copied, input never mutated', async (t) => {
  const shared = { 'process.pid': 1, secret: 's' };
  const r1 = m(shared);
  const r2 = m({ other: true });
  const input = metrics(r1, r2);
  const snapshot = JSON.stringify(input);
  const op = attributesOperator([{ action: 'delete', key: 'secret' }, { action: 'upsert', key: 'env', value: 'prod' }]);
  scheduler(t).run(({ cold, expectObservable }) => {
    expectObservable(cold('-x-#', { x: input }).pipe(op)).toBe('-y-#', {
      y: metrics(m({ 'process.pid': 1, env: 'prod' }), m({ other: true, env: 'prod' })),
    });
  });
  t.equal(JSON.stringify(input), snapshot, 'input batch, records and attributes untouched');
  t.equal(r1.attributes, shared);
});

t.test('operator: batches without changes pass as the same object', async (t) => {
  const input = metrics(m({ a: 1 }));
  const op = attributesOperator([{ action: 'delete', key: 'nope' }]);
  scheduler(t).run(({ cold, expectObservable }) => {
    expectObservable(cold('-x|', { x: input }).pipe(op)).toBe('-x|', { x: input });
  });
  const { of } = await import('rxjs');
  let seen: Batch | undefined;
  of(input).pipe(op).subscribe((b) => (seen = b));
  t.equal(seen, input);
  let seen2: Batch | undefined;
  of(input).pipe(attributesOperator([{ action: 'upsert', key: 'a', value: 2 }])).subscribe((b) => (seen2 = b));
  t.not(seen2, input);
  t.not(seen2!.records[0], input.records[0]);
  t.equal(seen2!.records[0].resource, input.records[0].resource, 'shallow copy keeps shared resource');
});

t.test('validate', async (t) => {
  const validate = attributesProcessorFactory.validate!;
  const cfg = (actions: AttributesConfig['actions']): AttributesConfig => ({ actions });
  t.same(validate(cfg([
    { key: 'a', action: 'insert', value: 'v' },
    { key: 'a', action: 'upsert', from_attribute: 'b' },
    { key: 'a', action: 'delete' },
    { key: 'a', action: 'hash' },
    { key: 'a', action: 'rename', new_key: 'b' },
  ])), []);
  t.same(validate(cfg([{ key: 'a', action: 'insert' }])), [{ path: '/actions/0', message: 'the insert action needs "value" or "from_attribute"' }]);
  t.same(validate(cfg([{ key: 'a', action: 'delete' }, { key: 'a', action: 'update', value: 1, from_attribute: 'b' }])), [
    { path: '/actions/1', message: 'set only one of "value" and "from_attribute" for the update action' },
  ]);
  t.same(validate(cfg([{ key: 'a', action: 'rename' }])), [{ path: '/actions/0', message: 'the rename action needs "new_key"' }]);
  t.same(validate(cfg([{ key: 'a', action: 'delete', value: 1 }])), [{ path: '/actions/0/value', message: '"value" is not used by the delete action' }]);
});

t.test('factory: create applies the resolved actions', async (t) => {
  const config: AttributesConfig = { actions: [{ key: 'k', action: 'upsert', value: 'v' }, { key: 'k', action: 'rename', new_key: 'k2' }] };
  t.same(resolveAttributeActions(config), [
    { action: 'upsert', key: 'k', value: 'v' },
    { action: 'rename', key: 'k', newKey: 'k2' },
  ]);
  const processor = attributesProcessorFactory.create(config, {} as never);
  scheduler(t).run(({ cold, expectObservable }) => {
    expectObservable(cold('-x|', { x: metrics(m({})) }).pipe(processor.operator)).toBe('-y|', { y: metrics(m({ k2: 'v' })) });
  });
});
