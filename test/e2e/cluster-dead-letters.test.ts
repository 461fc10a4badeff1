/**
 * The cluster's dead letters on one page, across two real nodes (`aes run`): node hub runs the
 * embedded broker and the inbound endpoint returns-in, node edge the inbound endpoint orders-in
 * on hub's broker; their target refuses some records, which each endpoint dead-letters.
 * `/dead-letters.json?scope=cluster` at either node lists both nodes' endpoints; replay and drop
 * with `?node=edge` at hub are forwarded to edge, behind hub's token (401, 403, nothing changed);
 * an unknown node or message id is a 404; with edge paused (SIGSTOP), hub answers within its
 * deadline and shows edge as unreachable instead of leaving it out; the page (Chromium, where
 * installed) renders both nodes and replays through the forward.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTransport, type Destination } from '../../transports/index.js';
import { TargetSystem } from '../runtime/support/soap-systems.js';
import { binarySkipReason, CHROMIUM_BIN } from '../support/binaries.js';
import { makeProject, RunningNode } from './support/project.js';
import { openChromium } from './support/chromium.js';
import { postJson as post } from './support/http-post.js';
import type { ClusterDeadLetters } from '../../runtime/node/cluster-dead-letters.js';
import { DEFAULT_CLUSTER_DEAD_LETTER_LIST_TIMEOUT_MS } from '../../runtime/node/cluster-dead-letters.js';

const SECRET = 'e2e-cluster-dead-letters-0123456789';

async function cluster(http: string): Promise<ClusterDeadLetters> {
  const res = await fetch(`${http}/dead-letters.json?scope=cluster`, {
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text) as ClusterDeadLetters;
}

/** `node/endpoint id` of every letter listed, sorted. */
async function letters(http: string): Promise<string[]> {
  const view = await cluster(http);
  return view.nodes
    .flatMap((n) =>
      n.endpoints.flatMap((e) => e.letters.map((l) => `${n.node}/${e.endpoint} ${l.messageId}`)),
    )
    .sort();
}

/** Polls every 500 ms (each read browses the broker) until `check` holds. */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

test('the cluster dead letters: listed from every node, replay and drop forwarded to the owner, an unreachable node shown', async (t) => {
  const failing = new Set(['r:1', 'm:1', 'm:2', 'm:3']);
  const target = await TargetSystem.start({ alwaysFail: failing });
  const hubQueue = `/queue/e2e-${randomUUID()}` as Destination;
  const edgeQueue = `/queue/e2e-${randomUUID()}` as Destination;
  const defaults = { endpoints: { defaults: { maxDeliveries: 2 } } };
  await using hubProject = await makeProject({
    node: 'hub',
    endpoints: { 'returns-in': 'orders-in.ts' },
    config: { cluster: { port: 0, secret: SECRET }, ...defaults },
  });
  try {
    await using hub = await RunningNode.start('hub', hubProject, {
      E2E_TARGET_URL: target.url,
      E2E_QUEUE: hubQueue,
    });
    const seed = hub.field('kernel listening', 'cluster').replace('tcp://', '');
    const broker = hub.field('embedded broker listening', 'url');
    await using edgeProject = await makeProject({
      node: 'edge',
      endpoints: { 'orders-in': 'orders-in.ts' },
      config: {
        cluster: { port: 0, secret: SECRET, seeds: [seed] },
        broker: { urls: [broker] },
        ...defaults,
      },
    });
    await using edge = await RunningNode.start('edge', edgeProject, {
      E2E_TARGET_URL: target.url,
      E2E_QUEUE: edgeQueue,
    });
    const http = hub.field('http listening', 'url');
    const edgeHttp = edge.field('http listening', 'url');
    const transport = createTransport(broker);
    t.after(() => transport.close());
    await transport.connect({ timeoutMs: 10_000 });
    const send = (queue: Destination, id: string) =>
      transport.publish(queue, JSON.stringify({ id }), { messageId: id, timeoutMs: 10_000 });
    await send(hubQueue, 'r:1');
    for (const id of ['m:1', 'm:2']) await send(edgeQueue, id);

    const all = ['edge/orders-in m:1', 'edge/orders-in m:2', 'hub/returns-in r:1'];
    await eventually(
      'both nodes’ dead letters listed at hub',
      async () => (await letters(http)).join() === all.join(),
    );
    const view = await cluster(http);
    assert.equal(view.scope, 'cluster');
    assert.equal(view.node, 'hub');
    assert.deepEqual(
      view.nodes.map((n) => n.node),
      ['edge', 'hub'],
    );
    assert.deepEqual(view.unreachable, []);
    // The embedded broker is read over STOMP (it has no management API), with no notice.
    assert.deepEqual(
      view.nodes.map((n) => [n.via, n.notice]),
      [
        ['stomp', undefined],
        ['stomp', undefined],
      ],
    );
    const edgeLetters = view.nodes.find((n) => n.node === 'edge')?.endpoints[0];
    assert.equal(edgeLetters?.queue, '/queue/dead-letter.orders-in');
    assert.equal(edgeLetters?.count, 2);
    assert.equal(
      edgeLetters.letters.find((l) => l.messageId === 'm:2')?.originalDestination,
      edgeQueue,
    );
    // The same from the other side; and each node's own scope stays its own.
    assert.deepEqual(await letters(edgeHttp), all);
    const own = await fetch(`${http}/dead-letters.json`, { signal: AbortSignal.timeout(60_000) });
    const ownBody = (await own.json()) as { node: string; endpoints: { endpoint: string }[] };
    assert.equal(ownBody.node, 'hub');
    assert.deepEqual(
      ownBody.endpoints.map((e) => e.endpoint),
      ['returns-in'],
    );
    const badScope = await fetch(`${http}/dead-letters.json?scope=galaxy`);
    assert.equal(badScope.status, 400);
    assert.match(((await badScope.json()) as { error: string }).error, /expected node or cluster/);

    // Forwarded actions need hub's token first: refused, nothing asked of edge.
    const replayM1 = `${http}/api/dead-letters/${encodeURIComponent('m:1')}/replay?node=edge`;
    assert.equal((await post(replayM1)).status, 401);
    assert.equal((await post(replayM1, 'not-the-secret')).status, 403);
    const dropEdge = `${http}/api/endpoints/orders-in/dead-letters/drop?node=edge`;
    assert.equal((await post(dropEdge)).status, 401);
    assert.equal((await post(dropEdge, 'wrong')).status, 403);
    assert.deepEqual(await letters(http), all);

    // Unknown node, unknown id at the owner, an endpoint asked of the wrong node: 404s.
    const noNode = await post(`${http}/api/dead-letters/m%3A1/replay?node=nowhere`, SECRET);
    assert.equal(noNode.status, 404);
    assert.match(String(noNode.body.error), /no node 'nowhere' in the cluster of hub/);
    const noId = await post(`${http}/api/dead-letters/nope%3A9/drop?node=edge`, SECRET);
    assert.equal(noId.status, 404);
    assert.match(String(noId.body.error), /^node edge: no dead letter with message id 'nope:9'/);
    const wrongNode = await post(`${http}/api/endpoints/orders-in/dead-letters/drop`, SECRET);
    assert.equal(wrongNode.status, 404);
    assert.match(String(wrongNode.body.error), /no endpoint 'orders-in' on node hub/);
    assert.deepEqual(await letters(http), all);
    assert.equal(target.accepted.length, 0);

    // Replay at hub, done by edge: the record reaches the target once, with its id.
    failing.delete('m:1');
    const replayed = await post(replayM1, SECRET);
    assert.equal(replayed.status, 200, JSON.stringify(replayed.body));
    assert.deepEqual(replayed.body, { replayed: [{ messageId: 'm:1', destination: edgeQueue }] });
    await eventually('m:1 at the target', () => Promise.resolve(target.accepted.length === 1));
    assert.deepEqual(
      target.accepted.map((a) => a.messageId),
      ['m:1'],
    );
    // Drop at hub, done by edge; hub's own without a node.
    const dropped = await post(`${http}/api/dead-letters/m%3A2/drop?node=edge`, SECRET);
    assert.equal(dropped.status, 200, JSON.stringify(dropped.body));
    assert.deepEqual(dropped.body, { dropped: ['m:2'] });
    assert.deepEqual(await letters(http), ['hub/returns-in r:1']);

    // Edge paused: hub answers within its deadline, edge shown unreachable, hub's own listed.
    await send(edgeQueue, 'm:3');
    await eventually('m:3 listed', async () =>
      (await letters(http)).includes('edge/orders-in m:3'),
    );
    const pid = edge.child.pid;
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const paused = await cluster(http);
      const tookMs = Date.now() - started;
      assert.ok(
        tookMs < DEFAULT_CLUSTER_DEAD_LETTER_LIST_TIMEOUT_MS + 5_000,
        `answered in ${tookMs} ms`,
      );
      assert.deepEqual(
        paused.nodes.map((n) => n.node),
        ['hub'],
      );
      assert.deepEqual(
        paused.unreachable.map((u) => u.node),
        ['edge'],
      );
      assert.ok((paused.unreachable[0]?.error ?? '').length > 0);
      const forward = await post(`${http}/api/dead-letters/m%3A3/drop?node=edge`, SECRET);
      assert.ok([503, 504].includes(forward.status), JSON.stringify(forward));
      assert.match(String(forward.body.error), /edge/);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await eventually('edge listed again', async () =>
      (await letters(http)).includes('edge/orders-in m:3'),
    );

    await t.test('the page lists both nodes and replays through the forward', async (st) => {
      const skip = binarySkipReason(CHROMIUM_BIN, 'chromium');
      if (skip !== undefined) {
        st.skip(skip);
        return;
      }
      failing.clear();
      await replayOnPage(http);
      await eventually('m:3 at the target', () =>
        Promise.resolve(target.accepted.some((a) => a.messageId === 'm:3')),
      );
    });
    const seen = target.accepted.map((a) => a.messageId);
    assert.equal(new Set(seen).size, seen.length, `a record accepted twice: ${seen.join(', ')}`);
  } finally {
    await target.close();
  }
});

async function replayOnPage(http: string): Promise<void> {
  await using chromium = await openChromium();
  const page = await chromium.browser.newPage();
  const scripts: string[] = [];
  page.on('pageerror', (err) => scripts.push(err.message));
  await page.goto(`${http}/`);
  const edgeSection = page.locator(
    '#dead-letters section[data-node="edge"][data-endpoint="orders-in"]',
  );
  const hubSection = page.locator(
    '#dead-letters section[data-node="hub"][data-endpoint="returns-in"]',
  );
  await edgeSection.locator('tr[data-message-id="m:3"] td.age').waitFor({ timeout: 60_000 });
  await hubSection.locator('tr[data-message-id="r:1"]').waitFor({ timeout: 30_000 });
  await page.locator('#token').fill(SECRET);
  await page.locator('#token').dispatchEvent('change');
  await edgeSection.locator('tr[data-message-id="m:3"] button[data-dl-action="replay"]').click();
  await page
    .locator('#message', { hasText: 'replay m:3: done (1 message) on node edge' })
    .waitFor({ timeout: 60_000 });
  await edgeSection.locator('h3 .count', { hasText: '0' }).waitFor({ timeout: 60_000 });
  assert.deepEqual(scripts, [], 'no script errors on the page');
}
