import t from 'tap';
import { SeriesLimiter, OVERFLOW_ATTRIBUTES } from '../../core/cardinality';
import { ComponentTelemetry } from '../../core/telemetry';

t.test('series past max_series fold into overflow=true and are counted', async (t) => {
  const telemetry = new ComponentTelemetry('tcp', 'receiver');
  const limiter = new SeriesLimiter(2, telemetry);
  const a = { port: 1 };
  t.equal(limiter.admit('m', a), a);
  t.same(limiter.admit('m', { port: 2 }), { port: 2 });
  t.equal(limiter.admit('m', { port: 3 }), OVERFLOW_ATTRIBUTES, 'the third series folds');
  t.same(limiter.admit('m', { port: 1 }), a, 'known series keep their attributes');
  t.same(limiter.admit('other', { port: 3 }), { port: 3 }, 'the bound is per metric');
  t.same(limiter.admit('m', { b: 1, a: 2 }), { overflow: true });
  t.same(limiter.admit('x', { b: 1, a: 2 }), { b: 1, a: 2 });
  t.same(limiter.admit('x', { a: 2, b: 1 }), { a: 2, b: 1 }, 'key order does not make a new series');
  t.equal(telemetry.folded, 2);
});
