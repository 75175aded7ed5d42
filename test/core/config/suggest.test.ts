import t from 'tap';
import { closestMatch, didYouMean, editDistance } from '../../../core/config/suggest';

t.test('editDistance', async (t) => {
  t.equal(editDistance('', ''), 0);
  t.equal(editDistance('abc', ''), 3);
  t.equal(editDistance('kitten', 'sitting'), 3);
  t.equal(editDistance('syscall', 'sycsall'), 1, 'a transposition counts once');
  t.equal(editDistance('colection_interval', 'collection_interval'), 1);
});

t.test('closestMatch', async (t) => {
  t.equal(closestMatch('colection_interval', ['latency', 'collection_interval']), 'collection_interval');
  t.equal(closestMatch('sycall', ['replay', 'syscall']), 'syscall');
  t.equal(closestMatch('Metrics', ['metrics', 'logs']), 'metrics', 'case-insensitive');
  t.equal(closestMatch('xyz', ['metrics', 'logs', 'traces']), undefined, 'nothing close');
  t.equal(closestMatch('abcdefghijkl', ['abcdefghwxyz']), 'abcdefghwxyz', '12 letters allow 4 edits');
  t.equal(closestMatch('abcdefghijkl', ['abcdefgvwxyz']), undefined, '5 edits > 4');
  t.equal(closestMatch('ab', ['xyz']), undefined, '3 edits > 2');
  t.equal(closestMatch('ab', ['ab']), undefined, 'never suggests the word itself');
  t.equal(closestMatch('tcp', ['tcpx', 'tcpy']), 'tcpx', 'first wins a tie');
  t.equal(didYouMean('pace', ['place']), 'did you mean "place"?');
  t.equal(didYouMean('zzzz', ['place']), undefined);
});
