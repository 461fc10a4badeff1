/**
 * Three (and more) real node processes on loopback, controlled through the protocol itself
 * (ClientLite calls their published `ctl` states): mesh formation, post, call, broadcast,
 * publish/retract, subscribe/unsubscribe, every monitor callback, kill -9 and restart, graceful
 * leave, and a duplicate name.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ClientLite } from '../../cluster/index.js';
import { NodeProcess, type NodeEvent } from './support/node-process.js';
import { waitUntil } from './support/wait.js';

const SECRET = 'processes-secret';
const started: NodeProcess[] = [];
const clients: ClientLite[] = [];

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const n of started) n.kill('SIGKILL');
  await Promise.all(started.map((n) => n.exited));
});

async function startNode(name: string, seeds: readonly string[] = []): Promise<NodeProcess> {
  const node = await NodeProcess.start(name, SECRET, seeds);
  started.push(node);
  return node;
}

async function control(node: NodeProcess): Promise<ClientLite> {
  const client = await ClientLite.connect({
    address: node.address,
    secret: SECRET,
    timeoutMs: 10_000,
  });
  clients.push(client);
  return client;
}

const ctl = (client: ClientLite, node: string, state: string, args?: unknown): Promise<unknown> =>
  client.call(`poe://${node}/ctl/${state}`, args, { timeoutMs: 10_000 });

const is =
  (event: string, kernel?: string, extra: Record<string, unknown> = {}) =>
  (e: NodeEvent): boolean =>
    e.event === event &&
    (kernel === undefined || e.kernel === kernel) &&
    Object.entries(extra).every(([k, v]) => e[k] === v);

test('three node processes: mesh, post, call, broadcast, publish/retract, subscribe, monitor, kill -9, restart, leave', async () => {
  const n1 = await startNode('n1');
  const n2 = await startNode('n2', [n1.address]);
  const n3 = await startNode('n3', [n1.address]);
  const [c1, c2] = [await control(n1), await control(n2)];
  let c3 = await control(n3);

  // Full mesh: n2 and n3 learned each other from n1.
  for (const [client, name] of [
    [c1, 'n1'],
    [c2, 'n2'],
    [c3, 'n3'],
  ] as const) {
    const others = ['n1', 'n2', 'n3'].filter((n) => n !== name);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const kernels = (await ctl(client, name, 'kernels')) as string[];
      if (JSON.stringify(kernels) === JSON.stringify(others)) break;
      assert.ok(
        Date.now() < deadline,
        `${name} sees ${JSON.stringify(kernels)}, expected ${JSON.stringify(others)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  for (const n of [n1, n2, n3]) {
    for (const other of ['n1', 'n2', 'n3'].filter((x) => x !== n.name)) {
      assert.ok(n.has(is('register', other)), `${n.name} saw register of ${other}`);
      assert.ok(
        n.has(is('channel', other, { state: 'ready' })),
        `${n.name} saw channel ready of ${other}`,
      );
    }
  }

  // post and call across processes.
  await ctl(c2, 'n2', 'post', { spec: 'poe://n1/app/hear', args: { hello: 'from n2' } });
  assert.deepEqual(await ctl(c3, 'n3', 'call', { spec: 'poe://n1/app/double', args: 21 }), {
    ok: 42,
  });
  let heard: unknown[] = [];
  for (let i = 0; i < 100 && heard.length === 0; i++) {
    heard = (await ctl(c1, 'n1', 'received')) as unknown[];
    if (heard.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual(heard, [{ from: 'n2', args: { hello: 'from n2' } }]);

  // Broadcast: n1 posts to every kernel (not to the ClientLite controllers).
  await ctl(c1, 'n1', 'post', { spec: 'poe://*/app/hear', args: 'to all' });
  for (const [client, name] of [
    [c2, 'n2'],
    [c3, 'n3'],
  ] as const) {
    let got: unknown[] = [];
    for (let i = 0; i < 100 && got.length === 0; i++) {
      got = (await ctl(client, name, 'received')) as unknown[];
      if (got.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(got, [{ from: 'n1', args: 'to all' }]);
  }

  // subscribe (with *, the first to acknowledge), proxy calls, a failing specifier.
  const sub = (await ctl(c2, 'n2', 'subscribe', {
    specs: ['poe://n1/app', 'poe://*/app', 'poe://n3/nothing'],
  })) as {
    subscribed: { spec: string; kernel: string }[];
    failed: { spec: string; code: string }[];
  };
  assert.deepEqual(
    sub.subscribed.map((s) => s.spec),
    ['poe://n1/app', 'poe://*/app'],
  );
  assert.deepEqual(sub.failed, [{ spec: 'poe://n3/nothing', code: 'NOT_PUBLISHED' }]);
  assert.deepEqual(await ctl(c2, 'n2', 'proxyCall', { spec: 'poe://n1/app', state: 'who' }), {
    ok: 'n1',
  });
  await n1.waitEvent(is('subscribe', 'n2', { direction: 'remote', session: 'app' }));
  await n2.waitEvent(is('subscribe', 'n1', { direction: 'local', session: 'app' }));
  await n2.waitEvent(is('error', undefined, { op: 'subscribe', code: 'NOT_PUBLISHED' }));
  await n3.waitEvent(is('error', 'n2', { op: 'subscribe', side: 'local' }));

  // retract tells the subscriber; the state is no longer reachable.
  await ctl(c1, 'n1', 'retract', { states: ['double'] });
  await n2.waitEvent(is('unsubscribe', 'n1', { cause: 'retracted', direction: 'local' }));
  assert.deepEqual(await ctl(c2, 'n2', 'call', { spec: 'poe://n1/app/double', args: 1 }), {
    error: 'NOT_PUBLISHED',
  });
  await n1.waitEvent(is('error', 'n2', { op: 'find', code: 'NOT_PUBLISHED', side: 'local' }));
  await ctl(c1, 'n1', 'publish', { states: ['double'] });
  assert.deepEqual(await ctl(c2, 'n2', 'call', { spec: 'poe://n1/app/double', args: 2 }), {
    ok: 4,
  });

  // A post to an unpublished state: the sender's monitor gets the remote error.
  await ctl(c3, 'n3', 'post', { spec: 'poe://n2/app/nope', args: 1 });
  await n3.waitEvent(is('error', 'n2', { side: 'remote', op: 'post', code: 'NOT_PUBLISHED' }));

  // unsubscribe.
  await ctl(c3, 'n3', 'subscribe', { specs: ['poe://n2/app'] });
  await ctl(c3, 'n3', 'unsubscribe', { specs: ['poe://n2/app'] });
  await n2.waitEvent(is('unsubscribe', 'n3', { cause: 'requested', direction: 'remote' }));
  await n3.waitEvent(is('unsubscribe', 'n2', { cause: 'requested', direction: 'local' }));

  // kill -9: the others see unregister within 3 s.
  await c3.close();
  const killedAt = Date.now();
  n3.kill('SIGKILL');
  const [u1, u2] = await Promise.all([
    n1.waitEvent(is('unregister', 'n3'), 3_000),
    n2.waitEvent(is('unregister', 'n3'), 3_000),
  ]);
  assert.ok((u1.at as number) - killedAt < 3_000 && (u2.at as number) - killedAt < 3_000);
  assert.equal(u1.cause, 'lost');
  await n2.waitEvent(is('channel', 'n3', { state: 'close' }));
  await n2
    .waitEvent(is('unsubscribe', 'n3', { cause: 'unregistered', direction: 'remote' }))
    .catch(() => undefined);

  // Restart: it registers again everywhere.
  const registrations = (n: NodeProcess): number => n.events.filter(is('register', 'n3')).length;
  const n3again = await startNode('n3', [n1.address]);
  c3 = await control(n3again);
  await waitUntil(
    'n1 and n2 see n3 register again',
    () => registrations(n1) === 2 && registrations(n2) === 2,
    10_000,
  );

  // A second node claiming a taken name is refused with a clear error.
  await assert.rejects(startNode('n2', [n1.address]), /NAME_TAKEN.*n2.*already connected/s);

  // Graceful leave: unregister at once, with cause 'left'; the leaver reports shutdown.
  await ctl(c2, 'n2', 'shutdown');
  const leftAt = Date.now();
  await n1.waitEvent(is('unregister', 'n2', { cause: 'left' }), 2_000);
  await n3again.waitEvent(is('unregister', 'n2', { cause: 'left' }), 2_000);
  assert.ok(Date.now() - leftAt < 2_000);
  await n2.exited;
  assert.ok(n2.has(is('shutdown', undefined, { reason: 'asked to' })));
});

test('a node that hangs (SIGSTOP, sockets still open) is unregistered by heartbeat within 3 s', async () => {
  const m1 = await startNode('m1');
  const m2 = await startNode('m2', [m1.address]);
  await m1.waitEvent(is('register', 'm2'));
  const stoppedAt = Date.now();
  m2.kill('SIGSTOP');
  try {
    const event = await m1.waitEvent(is('unregister', 'm2'), 3_000);
    assert.equal(event.cause, 'lost');
    assert.ok(
      (event.at as number) - stoppedAt < 3_000,
      `unregistered after ${(event.at as number) - stoppedAt} ms`,
    );
  } finally {
    m2.kill('SIGKILL');
  }
});
