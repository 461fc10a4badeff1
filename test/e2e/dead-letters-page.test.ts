/**
 * The status page's dead letters on a real node (`aes run`, embedded broker): an inbound endpoint
 * dead-letters records its target refuses; `/dead-letters.json` lists them per endpoint; replay
 * and drop need the node's token (401 without, 403 wrong, nothing changed); a replayed record
 * reaches the target once with its message id; an unknown id is a 404; the page renders the
 * section and, with Chromium, its "replay all" button replays. With logins on the embedded
 * broker, the node reads and replays through its own login.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport, type Destination } from '../../transports/index.js';
import { TargetSystem } from '../runtime/support/soap-systems.js';
import { binarySkipReason, CHROMIUM_BIN } from '../support/binaries.js';
import { pollUntil } from '../support/wait.js';
import { makeProject, RunningNode } from './support/project.js';
import { openChromium } from './support/chromium.js';
import { postJson as post } from './support/http-post.js';
import type { DeadLetterSummary } from '../../runtime/node/dead-letter-summary.js';

const SECRET = 'e2e-dead-letters-secret-0123456789';
const DLQ = '/queue/dead-letter.orders-in';

async function listed(http: string): Promise<DeadLetterSummary> {
  const res = await fetch(`${http}/dead-letters.json`, { signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text) as DeadLetterSummary;
}

async function ids(http: string): Promise<string[]> {
  const summary = await listed(http);
  return summary.endpoints.flatMap((e) => e.letters.map((l) => l.messageId)).sort();
}

function acceptedIds(target: TargetSystem): string[] {
  return target.accepted.map((a) => a.messageId).sort();
}

test('status page dead letters: list, replay and drop behind the token', async (t) => {
  const failing = new Set(['m:1', 'm:2', 'm:3', 'm:4']);
  const target = await TargetSystem.start({ alwaysFail: failing });
  const queue = `/queue/e2e-${randomUUID()}` as Destination;
  await using project = await makeProject({
    node: 'solo',
    endpoints: { 'orders-in': 'orders-in.ts' },
    config: {
      cluster: { port: 0, secret: SECRET },
      endpoints: { defaults: { maxDeliveries: 2 } },
    },
  });
  try {
    await using node = await RunningNode.start('solo', project, {
      E2E_TARGET_URL: target.url,
      E2E_QUEUE: queue,
    });
    const http = node.field('http listening', 'url');
    const transport = createTransport(node.field('embedded broker listening', 'url'));
    t.after(() => transport.close());
    await transport.connect({ timeoutMs: 10_000 });
    const send = (n: number) =>
      transport.publish(queue, JSON.stringify({ n }), { messageId: `m:${n}`, timeoutMs: 10_000 });
    for (const n of [1, 2, 3, 4]) await send(n);
    await pollUntil(
      'four dead letters listed',
      async () => (await ids(http)).length === 4,
      120_000,
    );

    // The list: per endpoint, its queue, count and the letters' fields.
    const summary = await listed(http);
    assert.equal(summary.node, 'solo');
    assert.equal(summary.endpoints.length, 1);
    const own = summary.endpoints[0];
    assert.equal(own?.endpoint, 'orders-in');
    assert.equal(own?.queue, DLQ);
    assert.equal(own?.count, 4);
    assert.equal(own?.more, 0);
    const two = own?.letters.find((l) => l.messageId === 'm:2');
    assert.equal(two?.endpoint, 'orders-in');
    assert.equal(two?.deliveryCount, 2);
    assert.equal(two?.originalDestination, queue);
    assert.match(two?.reason ?? '', /m:2/);
    assert.ok(typeof two?.ageMs === 'number' && two.ageMs >= 0 && two.ageMs < 600_000);

    // Without the token, or with a wrong one: refused, nothing changed.
    const replayOne = `${http}/api/dead-letters/${encodeURIComponent('m:1')}/replay`;
    assert.equal((await post(replayOne)).status, 401);
    assert.equal((await post(replayOne, 'not-the-secret')).status, 403);
    const dropTwo = `${http}/api/dead-letters/${encodeURIComponent('m:2')}/drop`;
    assert.equal((await post(dropTwo)).status, 401);
    assert.equal((await post(dropTwo, 'not-the-secret')).status, 403);
    const dropAll = `${http}/api/endpoints/orders-in/dead-letters/drop`;
    assert.equal((await post(dropAll)).status, 401);
    assert.equal((await post(dropAll, 'not-the-secret')).status, 403);
    assert.deepEqual(await ids(http), ['m:1', 'm:2', 'm:3', 'm:4']);
    assert.deepEqual(acceptedIds(target), []);

    // Replay with the token: the record reaches the target once, with its message id.
    failing.delete('m:1');
    const replayed = await post(replayOne, SECRET);
    assert.equal(replayed.status, 200, JSON.stringify(replayed.body));
    assert.deepEqual(replayed.body, { replayed: [{ messageId: 'm:1', destination: queue }] });
    await pollUntil('m:1 at the target', () => target.accepted.length === 1, 60_000);
    assert.deepEqual(acceptedIds(target), ['m:1']);
    assert.deepEqual(await ids(http), ['m:2', 'm:3', 'm:4']);

    // Drop with the token: gone, and not delivered.
    const dropped = await post(dropTwo, SECRET);
    assert.equal(dropped.status, 200, JSON.stringify(dropped.body));
    assert.deepEqual(dropped.body, { dropped: ['m:2'] });
    assert.deepEqual(await ids(http), ['m:3', 'm:4']);

    // Unknown message id or endpoint: 404 with a clear message, nothing changed.
    const unknown = await post(`${http}/api/dead-letters/nope%3A9/replay`, SECRET);
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.body.error), /no dead letter with message id 'nope:9'/);
    const noEndpoint = await post(`${http}/api/endpoints/nope/dead-letters/drop`, SECRET);
    assert.equal(noEndpoint.status, 404);
    assert.match(String(noEndpoint.body.error), /no endpoint 'nope' on node solo/);
    const badAction = await post(`${http}/api/dead-letters/m%3A3/burn`, SECRET);
    assert.equal(badAction.status, 404);
    assert.deepEqual(await ids(http), ['m:3', 'm:4']);

    // The page serves the section.
    const html = await (await fetch(`${http}/`, { signal: AbortSignal.timeout(30_000) })).text();
    assert.match(html, /<h2>Dead letters<\/h2>/);
    assert.match(html, /id="dead-letters"/);

    await t.test('the page lists them and its "replay all" replays', async (st) => {
      const skip = binarySkipReason(CHROMIUM_BIN, 'chromium');
      if (skip !== undefined) {
        st.skip(skip);
        return;
      }
      failing.clear();
      await replayAllInBrowser(http);
      await pollUntil('m:3 and m:4 at the target', () => target.accepted.length === 3, 60_000);
      assert.deepEqual(acceptedIds(target), ['m:1', 'm:3', 'm:4']);
      assert.deepEqual(await ids(http), []);
    });

    // Drop all of an endpoint's, with the token: a new dead letter (and any left) gone.
    failing.add('m:5');
    await send(5);
    await pollUntil('m:5 listed', async () => (await ids(http)).includes('m:5'), 120_000);
    const droppedAll = await post(dropAll, SECRET);
    assert.equal(droppedAll.status, 200, JSON.stringify(droppedAll.body));
    assert.ok((droppedAll.body.dropped as string[]).includes('m:5'));
    assert.deepEqual(await ids(http), []);
    assert.ok(!acceptedIds(target).includes('m:5'));

    // Each record at the target once, after everything.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const seen = target.accepted.map((a) => a.messageId);
    assert.equal(new Set(seen).size, seen.length, `a record accepted twice: ${seen.join(', ')}`);
  } finally {
    await target.close();
  }
});

async function replayAllInBrowser(http: string): Promise<void> {
  await using chromium = await openChromium();
  const page = await chromium.browser.newPage();
  const scripts: string[] = [];
  page.on('pageerror', (err) => scripts.push(err.message));
  await page.goto(`${http}/`);
  const section = page.locator('#dead-letters section[data-endpoint="orders-in"]');
  await section.locator('tr[data-message-id="m:3"] td.age').waitFor({ timeout: 30_000 });
  assert.equal(await section.locator('h3 .count').textContent(), '2');
  assert.match((await section.locator('tr[data-message-id="m:4"]').textContent()) ?? '', /m:4/);
  // Without the token: refused.
  await section.locator('h3 button[data-dl-action="replay"]').click();
  await page.locator('#message', { hasText: 'refused (401)' }).waitFor({ timeout: 30_000 });
  await page.locator('#token').fill(SECRET);
  await page.locator('#token').dispatchEvent('change');
  await section.locator('h3 button[data-dl-action="replay"]').click();
  await page
    .locator('#message', { hasText: 'replay all of orders-in: done (2 messages)' })
    .waitFor({ timeout: 60_000 });
  await section.locator('h3 .count', { hasText: '0' }).waitFor({ timeout: 30_000 });
  assert.deepEqual(scripts, [], 'no script errors on the page');
}

test('status page dead letters with logins on the embedded broker: the node uses its own', async () => {
  const failing = new Set(['p:1']);
  const target = await TargetSystem.start({ alwaysFail: failing });
  const queue = `/queue/e2e-${randomUUID()}` as Destination;
  await using project = await makeProject({
    node: 'solo',
    endpoints: { 'orders-in': 'orders-in.ts' },
    config: {
      cluster: { port: 0, secret: SECRET },
      broker: { embedded: { port: 0, usersFile: 'broker-users.json' } },
      endpoints: { defaults: { maxDeliveries: 2 } },
    },
  });
  await writeFile(join(project.dir, 'broker-users.json'), JSON.stringify({ app: 'app-pass' }));
  try {
    await using node = await RunningNode.start('solo', project, {
      E2E_TARGET_URL: target.url,
      E2E_QUEUE: queue,
    });
    const http = node.field('http listening', 'url');
    const url = new URL(node.field('embedded broker listening', 'url'));
    url.username = 'app';
    url.password = 'app-pass';
    const transport = createTransport(url.toString());
    try {
      await transport.connect({ timeoutMs: 10_000 });
      await transport.publish(queue, '{"n":1}', { messageId: 'p:1', timeoutMs: 10_000 });
    } finally {
      await transport.close();
    }
    await pollUntil('p:1 listed', async () => (await ids(http)).includes('p:1'), 120_000);
    failing.clear();
    const replayed = await post(`${http}/api/dead-letters/p%3A1/replay`, SECRET);
    assert.equal(replayed.status, 200, JSON.stringify(replayed.body));
    await pollUntil('p:1 at the target', () => target.accepted.length === 1, 60_000);
    assert.deepEqual(acceptedIds(target), ['p:1']);
    assert.deepEqual(await ids(http), []);
  } finally {
    await target.close();
  }
});
