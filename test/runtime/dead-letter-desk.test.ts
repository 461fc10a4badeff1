/**
 * The node's dead letters over HTTP without a node: a broker out of reach is a 503 that names
 * it (list and actions), the token is checked before the broker is asked, and the summary is
 * bounded (newest first, "and N more") and splits a queue shared by endpoints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '../../runtime/config/config.js';
import { DeadLetterDesk } from '../../runtime/node/dead-letter-desk.js';
import {
  MAX_LISTED_DEAD_LETTERS,
  summarizeDeadLetters,
} from '../../runtime/node/dead-letter-summary.js';
import { startHttpSurface } from '../../runtime/node/http-server.js';
import type { DeadLetter } from '../../runtime/dead-letters/index.js';
import type { Destination } from '../../transports/index.js';
import { freePort } from '../support/ports.js';
import { tempDir } from './support/helpers.js';

const TOKEN = 'the-node-secret-0123456789';

test('dead letters over HTTP: an unreachable broker is a 503 naming it', async () => {
  await using dir = await tempDir();
  await mkdir(join(dir.path, 'endpoints', 'orders-in'), { recursive: true });
  await writeFile(join(dir.path, 'endpoints', 'orders-in', 'index.ts'), 'export default null;\n');
  const port = await freePort(); // nothing listens there
  const config = parseConfig(
    { node: 'n1', broker: { urls: [`stomp://127.0.0.1:${port}`] } },
    { file: join(dir.path, 'aes.config.json') },
  );
  const desk = new DeadLetterDesk('n1', () => config, [], { timeoutMs: 3_000 });
  const surface = await startHttpSurface('127.0.0.1', 0, {
    node: 'n1',
    token: TOKEN,
    metrics: () => Promise.resolve({ contentType: 'text/plain', text: '' }),
    notReady: () => [],
    serviceDiscovery: () => Promise.resolve([]),
    status: () => Promise.resolve({}),
    act: () => Promise.resolve('n1'),
    deadLetters: desk,
  });
  try {
    const signal = AbortSignal.timeout(30_000);
    const list = await fetch(`${surface.url}/dead-letters.json`, { signal });
    assert.equal(list.status, 503);
    const body = (await list.json()) as { error: string };
    assert.match(body.error, new RegExp(`broker stomp://127\\.0\\.0\\.1:${port}\\S* unreachable`));

    const url = `${surface.url}/api/dead-letters/m%3A1/replay`;
    const noToken = await fetch(url, { method: 'POST', signal });
    assert.equal(noToken.status, 401);
    const replay = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      signal,
    });
    assert.equal(replay.status, 503);
    assert.match(((await replay.json()) as { error: string }).error, /unreachable/);
    const get = await fetch(url, { signal });
    assert.equal(get.status, 405);
  } finally {
    await surface.close();
  }
});

function letter(id: string, queue: string, atMs: number | undefined, endpoint?: string) {
  return {
    messageId: id,
    deadLetterQueue: queue as Destination,
    originalDestination: '/queue/orders',
    endpoint,
    reason: 'refused',
    deliveryCount: 5,
    deadLetteredAt: atMs === undefined ? undefined : new Date(atMs).toISOString(),
    headers: {},
    body: Buffer.alloc(0),
  } satisfies DeadLetter;
}

test('the dead-letter summary: newest first, bounded, a shared queue split by endpoint', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const letters = [
    letter('undated', '/queue/a.dlq', undefined, 'a'),
    ...Array.from({ length: 60 }, (_, i) => letter(`a:${i}`, '/queue/a.dlq', now - i * 1000, 'a')),
    letter('b:1', '/queue/shared.dlq', now - 5000, 'b'),
    letter('c:1', '/queue/shared.dlq', now - 7000, 'c'),
    letter('anon', '/queue/shared.dlq', now - 9000),
  ];
  const summary = summarizeDeadLetters(
    'n1',
    [
      { endpoint: 'a', queue: '/queue/a.dlq' },
      { endpoint: 'b', queue: '/queue/shared.dlq' },
      { endpoint: 'c', queue: '/queue/shared.dlq' },
    ],
    letters,
    ['/queue/a.dlq'],
    now,
  );
  const [a, b, c] = summary.endpoints;
  assert.equal(a?.count, 61);
  assert.equal(a?.letters.length, MAX_LISTED_DEAD_LETTERS);
  assert.equal(a?.more, 61 - MAX_LISTED_DEAD_LETTERS);
  assert.equal(a?.truncated, true);
  assert.deepEqual(
    a?.letters.slice(0, 3).map((l) => [l.messageId, l.ageMs]),
    [
      ['a:0', 0],
      ['a:1', 1000],
      ['a:2', 2000],
    ],
  );
  assert.deepEqual(
    b?.letters.map((l) => l.messageId),
    ['b:1', 'anon'],
  );
  assert.deepEqual(
    c?.letters.map((l) => l.messageId),
    ['c:1', 'anon'],
  );
  assert.equal(c?.truncated, false);
});
