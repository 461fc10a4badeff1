/**
 * The progress line of a WSDL fetch (cli/fetch-progress.ts) as a terminal receives it: nothing
 * for a quick fetch; after a second, one line rewritten in place and erased when the fetch ends.
 * (Without a terminal, test/cli/wsdl-timeout.test.ts reads it from a real command's stderr.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { FETCH_PROGRESS_AFTER_MS, FetchProgress } from '../../cli/fetch-progress.js';

function terminal(): { isTTY: true; written: string[]; write(text: string): boolean } {
  const written: string[] = [];
  return { isTTY: true, written, write: (text) => written.push(text) > 0 };
}

test('a fetch that ends within a second writes nothing', async () => {
  const out = terminal();
  const progress = new FetchProgress(out);
  progress.fetchStarted('http://wsdl.test/a');
  await sleep(FETCH_PROGRESS_AFTER_MS / 4);
  progress.fetchEnded('http://wsdl.test/a');
  await sleep(FETCH_PROGRESS_AFTER_MS);
  assert.deepEqual(out.written, []);
});

test('on a terminal the line is rewritten each second and erased at the end', async () => {
  const out = terminal();
  const progress = new FetchProgress(out);
  progress.fetchStarted('http://wsdl.test/b');
  await sleep(FETCH_PROGRESS_AFTER_MS * 2 + 500);
  progress.fetchEnded('http://wsdl.test/b');
  progress.close(); // idempotent: nothing more is written
  await sleep(FETCH_PROGRESS_AFTER_MS);
  assert.deepEqual(out.written, [
    '\r\x1b[Kaes: fetching http://wsdl.test/b (1 s)',
    '\r\x1b[Kaes: fetching http://wsdl.test/b (2 s)',
    '\r\x1b[K',
  ]);
});
