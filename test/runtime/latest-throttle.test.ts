/** The throttle behind the link's step reports: the first at once, then only the latest. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatestThrottle } from '../../runtime/link/latest-throttle.js';
import { waitFor } from './support/helpers.js';

test('the first value goes at once, a burst after it yields only its latest value', async () => {
  const sent: string[] = [];
  const throttle = new LatestThrottle<string>((v) => sent.push(v), 30);
  throttle.push('pop');
  assert.deepEqual(sent, ['pop']);
  throttle.push('publish');
  throttle.push('journal');
  throttle.push('popped');
  assert.deepEqual(sent, ['pop'], 'held back within the interval');
  await waitFor('the held value', () => sent.length === 2);
  assert.deepEqual(sent, ['pop', 'popped']);
  throttle.flush();
  assert.deepEqual(sent, ['pop', 'popped'], 'nothing held: flush sends nothing');
});

test('flush sends the held value now, once', () => {
  const sent: string[] = [];
  const throttle = new LatestThrottle<string>((v) => sent.push(v), 60_000);
  throttle.push('a');
  throttle.push('b');
  throttle.flush();
  throttle.flush();
  assert.deepEqual(sent, ['a', 'b']);
});
