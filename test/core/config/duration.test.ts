import t from 'tap';
import { parseDuration, tryParseDuration } from '../../../core/config/duration';
import { parseByteSize } from '../../../core/config/bytesize';
import { parseHostPort, tryParseHostPort } from '../../../core/config/hostport';
import { compileSchema, createAjv } from '../../../core/config/ajv';

t.test('parseDuration', async (t) => {
  t.equal(parseDuration('250ms'), 250);
  t.equal(parseDuration('1s'), 1000);
  t.equal(parseDuration('1.5s'), 1500);
  t.equal(parseDuration('5m'), 300_000);
  t.equal(parseDuration('1h'), 3_600_000);
  t.equal(parseDuration('1h30m'), 5_400_000);
  t.equal(parseDuration('10us'), 0.01);
  t.equal(parseDuration('10µs'), 0.01);
  t.equal(parseDuration('100ns'), 0.0001);
  t.equal(parseDuration('0'), 0);
  t.equal(parseDuration('42'), 42);
  t.equal(parseDuration(42), 42);
  t.equal(parseDuration(0.5), 0.5);
  for (const bad of ['', 'abc', '1 s', '-1s', '1d', 's', '1s2', '1.2.3s', 'ms']) {
    t.equal(tryParseDuration(bad), undefined, `rejects ${JSON.stringify(bad)}`);
  }
  t.throws(() => parseDuration('5 minutes'), {
    message: 'invalid duration "5 minutes": expected a duration like 250ms, 1.5s, 5m or 1h30m (units ns, us, ms, s, m, h)',
  });
  t.throws(() => parseDuration(-1), { message: 'invalid duration -1: must be a finite number of milliseconds >= 0' });
  t.throws(() => parseDuration(Number.NaN), /invalid duration NaN/);
});

t.test('parseByteSize', async (t) => {
  t.equal(parseByteSize('64MiB'), 64 * 1024 * 1024);
  t.equal(parseByteSize('10MB'), 10_000_000);
  t.equal(parseByteSize('1KiB'), 1024);
  t.equal(parseByteSize('1.5 GiB'), 1.5 * 2 ** 30);
  t.equal(parseByteSize('2kb'), 2000);
  t.equal(parseByteSize('512'), 512);
  t.equal(parseByteSize('100B'), 100);
  t.equal(parseByteSize(4096), 4096);
  t.equal(parseByteSize(10.7), 10);
  t.throws(() => parseByteSize('10 parsecs'), /^invalid byte size "10 parsecs": expected a size like 64MiB/);
  t.throws(() => parseByteSize('MiB'), /invalid byte size "MiB"/);
  t.throws(() => parseByteSize(-5), { message: 'invalid byte size -5: must be a finite number of bytes >= 0' });
});

t.test('parseHostPort', async (t) => {
  t.same(parseHostPort('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
  t.same(parseHostPort('localhost:0'), { host: 'localhost', port: 0 });
  t.same(parseHostPort('[::1]:4317'), { host: '::1', port: 4317 });
  t.same(parseHostPort(':65535'), { host: '', port: 65535 });
  for (const bad of ['localhost', '::1:4317', 'host:65536', 'host:-1', 'host:', '[::1]', 'a b:1']) {
    t.equal(tryParseHostPort(bad), undefined, `rejects ${JSON.stringify(bad)}`);
  }
  t.throws(() => parseHostPort('nope'), { message: 'invalid address "nope": expected host:port like 127.0.0.1:9464, localhost:4317 or [::1]:4317 (port 0-65535)' });
});

t.test('ajv formats and defaults', async (t) => {
  const schema = {
    type: 'object',
    properties: {
      d: { type: ['string', 'number'], format: 'duration', default: '1s' },
      h: { type: 'string', format: 'hostport' },
      b: { type: ['string', 'integer'], format: 'bytesize' },
    },
  };
  const validate = compileSchema(schema);
  t.equal(compileSchema(schema), validate, 'compiled once per schema object');
  const data: Record<string, unknown> = { h: '[::1]:80', b: '64MiB' };
  t.equal(validate(data), true);
  t.same(data, { h: '[::1]:80', b: '64MiB', d: '1s' }, 'default filled in');
  t.equal(validate({ d: 250 }), true, 'numbers pass the duration format');
  t.equal(validate({ d: '5 minutes' }), false);
  t.equal(validate({ h: 'localhost' }), false);
  t.equal(validate({ b: 'lots' }), false);
  t.equal(validate({ d: 'x', h: 'y', b: 'z' }), false);
  t.same(validate.errors?.map((e) => `${e.instancePath} ${e.keyword}`), ['/d format', '/h format', '/b format'], 'allErrors');
  t.throws(() => createAjv().compile({ type: 'string', colour: 'red' }), /unknown keyword: "colour"/, 'strict about unknown keywords');
});
