import t from 'tap';
import { attributesKey } from '../../core/attributes-key';

t.test('the same attributes in any order give one key; different ones never share a key', async (t) => {
  t.equal(attributesKey({ a: 1, b: 'x' }), attributesKey({ b: 'x', a: 1 }));
  const distinct = [
    {}, { a: 1 }, { a: '1' }, { a: [1] }, { a: true }, { a: 'true' }, { a: 1n }, { a: '1n' }, { a: { n: '1' } }, { a: null }, { a: undefined }, { a: 'undefined' },
    { a: 'x', b: 'y' }, { a: 'x";b:"y' }, { 'a=1;b': 2 }, { a: 1, b: 2 },
  ];
  const keys = distinct.map(attributesKey);
  t.equal(new Set(keys).size, distinct.length, keys.join(' | '));
});
