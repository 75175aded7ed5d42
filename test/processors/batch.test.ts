import t from 'tap';
import { TestScheduler } from 'rxjs/testing';
import type { Batch, MetricRecord } from '../../core/signals';
import { batchOperator, type BatchOptions } from '../../processors/batch/operator';
import { batchProcessorFactory } from '../../processors/batch';
import { DEFAULT_SEND_BATCH_MAX_SIZE, DEFAULT_SEND_BATCH_SIZE, DEFAULT_TIMEOUT } from '../../processors/batch/config';

/** A stand-in record: the operator never looks inside records. */
const rec = (id: string) => ({ name: id }) as unknown as MetricRecord;
const batch = (...ids: string[]): Batch => ({ signal: 'metrics', records: ids.map(rec) });

function scheduler(t: { same(a: unknown, b: unknown): boolean }): TestScheduler {
  return new TestScheduler((actual, expected) => t.same(actual, expected));
}

const opts = (o: Partial<BatchOptions>): BatchOptions => ({ sendBatchSize: 3, timeoutMs: 10, sendBatchMaxSize: 0, ...o });

t.test('size trigger: sends as soon as send_batch_size records are buffered', async (t) => {
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a-b-c---|', { a: batch('1'), b: batch('2'), c: batch('3') });
    expectObservable(input.pipe(batchOperator(opts({})))).toBe('-----x---|', { x: batch('1', '2', '3') });
  });
});

t.test('size trigger without max sends the whole buffer', async (t) => {
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a-b|', { a: batch('1', '2'), b: batch('3', '4', '5') });
    expectObservable(input.pipe(batchOperator(opts({})))).toBe('---x|', { x: batch('1', '2', '3', '4', '5') });
  });
});

t.test('timeout trigger: sends what is buffered timeout after the first record', async (t) => {
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a-b 20ms |', { a: batch('1'), b: batch('2') });
    // first record at 1ms, timeout 10ms -> sent at 11ms; complete at 24ms
    expectObservable(input.pipe(batchOperator(opts({})))).toBe('- 10ms x 12ms |', { x: batch('1', '2') });
  });
});

t.test('timeout restarts for the next buffer', async (t) => {
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('a 14ms b 20ms |', { a: batch('1'), b: batch('2') });
    expectObservable(input.pipe(batchOperator(opts({})))).toBe('10ms x 14ms y 10ms |', { x: batch('1'), y: batch('2') });
  });
});

t.test('max size splits large inputs; the remainder waits for the timeout', async (t) => {
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a 30ms |', { a: batch('1', '2', '3', '4', '5', '6', '7') });
    const op = batchOperator(opts({ sendBatchSize: 2, sendBatchMaxSize: 3 }));
    expectObservable(input.pipe(op)).toBe('-(xy) 6ms z 20ms |', {
      x: batch('1', '2', '3'),
      y: batch('4', '5', '6'),
      z: batch('7'),
    });
  });
});

t.test('remainder below send_batch_size after a split waits for a fresh timeout', async (t) => {
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a 30ms |', { a: batch('1', '2', '3', '4', '5') });
    const op = batchOperator(opts({ sendBatchSize: 3, sendBatchMaxSize: 4 }));
    expectObservable(input.pipe(op)).toBe('-x 9ms y 20ms |', { x: batch('1', '2', '3', '4'), y: batch('5') });
  });
});

t.test('flush on completion', async (t) => {
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a-b|', { a: batch('1'), b: batch('2') });
    expectObservable(input.pipe(batchOperator(opts({})))).toBe('----(x|)', { x: batch('1', '2') });
  });
});

t.test('flush on completion respects the max size', async (t) => {
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a|', { a: batch('1', '2', '3') });
    const op = batchOperator(opts({ sendBatchSize: 10, sendBatchMaxSize: 2 }));
    // 3 < trigger (10) so nothing is sent at once; completion sends in chunks of 2.
    expectObservable(input.pipe(op)).toBe('--(xy|)', { x: batch('1', '2'), y: batch('3') });
  });
});

t.test('error: sends what is buffered, then propagates the error', async (t) => {
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a-#', { a: batch('1') }, new Error('boom'));
    expectObservable(input.pipe(batchOperator(opts({})))).toBe('---(x#)', { x: batch('1') }, new Error('boom'));
  });
});

t.test('nothing is sent for empty inputs; completion of an empty buffer sends nothing', async (t) => {
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a 20ms |', { a: batch() });
    expectObservable(input.pipe(batchOperator(opts({})))).toBe('-- 20ms |');
  });
});

t.test('timeout 0 passes each input through, split by the max size', async (t) => {
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a-b-----|', { a: batch('1'), b: batch('2', '3', '4') });
    const op = batchOperator(opts({ timeoutMs: 0, sendBatchMaxSize: 2, sendBatchSize: 2 }));
    expectObservable(input.pipe(op)).toBe('-x-(yz)--|', { x: batch('1'), y: batch('2', '3'), z: batch('4') });
  });
});

t.test('the signal of the batches is kept', async (t) => {
  const logs = (...ids: string[]) => ({ signal: 'logs', records: ids.map(rec) }) as unknown as Batch;
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a-b|', { a: logs('1'), b: logs('2') });
    expectObservable(input.pipe(batchOperator(opts({})))).toBe('----(x|)', { x: logs('1', '2') });
  });
});

t.test('input batches are not mutated', async (t) => {
  const a = batch('1');
  const b = batch('2');
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a-b|', { a, b });
    expectObservable(input.pipe(batchOperator(opts({})))).toBe('----(x|)', { x: batch('1', '2') });
  });
  t.same(a, batch('1'));
  t.same(b, batch('2'));
});

t.test('unsubscribing cancels the timer', async (t) => {
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a---------', { a: batch('1') });
    expectObservable(input.pipe(batchOperator(opts({}))), '^-----!').toBe('------');
  });
});

t.test('factory: defaults, validate and create', async (t) => {
  t.equal(DEFAULT_SEND_BATCH_SIZE, 8192);
  t.equal(DEFAULT_TIMEOUT, '200ms');
  t.equal(DEFAULT_SEND_BATCH_MAX_SIZE, 0);
  t.equal(batchProcessorFactory.type, 'batch');
  t.equal(batchProcessorFactory.kind, 'processor');
  const validate = batchProcessorFactory.validate!;
  t.same(validate({ send_batch_size: 100, timeout: '1s', send_batch_max_size: 0 }), []);
  t.same(validate({ send_batch_size: 100, timeout: '1s', send_batch_max_size: 100 }), []);
  const problems = validate({ send_batch_size: 100, timeout: '1s', send_batch_max_size: 50 });
  t.equal(problems.length, 1);
  t.equal(problems[0].path, '/send_batch_max_size');
  t.match(problems[0].message, /send_batch_max_size \(50\) must be 0 \(no limit\) or >= send_batch_size \(100\)/);

  const processor = batchProcessorFactory.create({ send_batch_size: 2, timeout: '50ms', send_batch_max_size: 0 }, {} as never);
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a 100ms |', { a: batch('1') });
    expectObservable(input.pipe(processor.operator)).toBe('- 50ms x 50ms |', { x: batch('1') });
  });
});
