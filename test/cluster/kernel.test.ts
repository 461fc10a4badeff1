/** Kernels in one process, talking over real loopback sockets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CallError,
  HandshakeError,
  Kernel,
  QueueFullError,
  RemoteError,
  type MonitorErrorEvent,
  type KernelOptions,
} from '../../cluster/index.js';
import { waitUntil } from './support/wait.js';

const SECRET = 'test-secret';

function kernel(name: string, extra: Partial<KernelOptions> = {}): Kernel {
  return new Kernel({ name, secret: SECRET, ...extra });
}

async function pair(): Promise<{
  a: Kernel;
  b: Kernel;
  address: string;
  [Symbol.asyncDispose](): Promise<void>;
}> {
  const a = kernel('a', { aliases: ['alpha'] });
  const b = kernel('b');
  const listener = await a.listen();
  await b.connect(listener.address);
  return {
    a,
    b,
    address: listener.address,
    async [Symbol.asyncDispose]() {
      await Promise.all([a.shutdown(), b.shutdown()]);
    },
  };
}

test('post, call, rsvp, ping and aliases between two kernels', async () => {
  await using p = await pair();
  const { a, b } = p;
  const got: unknown[] = [];
  a.addSession(
    'svc',
    {
      note: (args, ctx) => {
        got.push([args, ctx.sender, ctx.kind]);
      },
      add: (args) => (args as number[]).reduce((x, y) => x + y, 0),
      slow: async (args) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return args;
      },
    },
    { aliases: ['service'] },
  );
  a.publish('svc', ['note', 'add', 'slow']);
  assert.deepEqual(a.published(), [
    { session: 'svc', aliases: ['service'], states: ['add', 'note', 'slow'] },
  ]);

  b.post('poe://a/svc/note', { n: 1 });
  b.post({ kernel: 'alpha', session: 'service', state: 'note' }, 'via aliases');
  assert.equal(await b.call('poe://a/svc/add', [1, 2, 3]), 6);
  assert.deepEqual(await b.call('poe://a/svc/slow', { deep: [1] }, { timeoutMs: 2_000 }), {
    deep: [1],
  });
  await waitUntil('two posts', () => got.length === 2);
  assert.deepEqual(got, [
    [{ n: 1 }, 'b', 'post'],
    ['via aliases', 'b', 'post'],
  ]);

  // rsvp: the reply is posted to a local state.
  const replies: unknown[] = [];
  b.addSession('me', { answer: (args, ctx) => replies.push([args, ctx.sender]) });
  b.post('poe://a/svc/add', [2, 2], { rsvp: 'poe://b/me/answer' });
  await waitUntil('rsvp answer', () => replies.length === 1);
  assert.deepEqual(replies, [[4, 'a']]);

  assert.equal(await b.ping('a'), 'PONG');
  assert.deepEqual(
    b.kernels().map((k) => [k.name, k.role, k.direction, k.authenticated]),
    [['a', 'kernel', 'outbound', 'hmac']],
  );
  assert.deepEqual(
    a.kernels().map((k) => [k.name, k.direction]),
    [['b', 'inbound']],
  );
});

test('unpublished, forbidden and failing states: typed errors, monitor events and counters on both sides', async () => {
  await using p = await pair();
  const { a, b } = p;
  a.addSession('svc', {
    open: () => 'ok',
    secret: () => 'hidden',
    adminOnly: () => 'admin',
    boom: () => {
      throw new Error('kaput');
    },
  });
  a.publish('svc', ['open', 'boom']);
  a.publish('svc', ['adminOnly'], { allow: ['admin-node'] });
  const aErrors: MonitorErrorEvent[] = [];
  const bErrors: MonitorErrorEvent[] = [];
  a.monitor('*', { error: (e) => aErrors.push(e) });
  b.monitor('a', { error: (e) => bErrors.push(e) });

  await assert.rejects(
    b.call('poe://a/svc/secret'),
    (e: unknown) => e instanceof RemoteError && e.code === 'NOT_PUBLISHED' && e.kernel === 'a',
  );
  await assert.rejects(
    b.call('poe://a/svc/adminOnly'),
    (e: unknown) => e instanceof RemoteError && e.code === 'FORBIDDEN',
  );
  await assert.rejects(
    b.call('poe://a/svc/boom'),
    (e: unknown) =>
      e instanceof RemoteError && e.code === 'HANDLER_ERROR' && /kaput/.test(e.message),
  );
  b.post('poe://a/svc/secret', 1);
  await waitUntil('remote error for the post', () =>
    bErrors.some((e) => e.side === 'remote' && e.code === 'NOT_PUBLISHED'),
  );
  assert.equal(await b.call('poe://a/svc/open'), 'ok', 'the link survives');

  const stats = a.stats();
  assert.equal(stats.notPublished, 2);
  assert.equal(stats.forbidden, 1);
  assert.equal(stats.handlerErrors, 1);
  assert.deepEqual(
    aErrors.map((e) => [e.side, e.op, e.code, e.kernel, e.ref]),
    [
      ['local', 'find', 'NOT_PUBLISHED', 'b', 'svc/secret'],
      ['local', 'check', 'FORBIDDEN', 'b', 'svc/adminOnly'],
      ['local', 'invoke', 'HANDLER_ERROR', 'b', 'svc/boom'],
      ['local', 'find', 'NOT_PUBLISHED', 'b', 'svc/secret'],
    ],
  );
  const remote = bErrors.find((e) => e.side === 'remote');
  assert.equal(remote?.op, 'post');
  assert.equal(remote?.ref, 'svc/secret');
});

test('call deadlines, abort signals and unknown kernels', async () => {
  await using p = await pair();
  const { a, b } = p;
  a.addSession('svc', { never: () => new Promise(() => undefined) });
  a.publish('svc', ['never']);
  await assert.rejects(
    b.call('poe://a/svc/never', null, { timeoutMs: 50 }),
    (e: unknown) => e instanceof CallError && e.code === 'TIMEOUT',
  );
  const ac = new AbortController();
  const pending = b.call('poe://a/svc/never', null, { signal: ac.signal, timeoutMs: 5_000 });
  ac.abort();
  await assert.rejects(pending, (e: unknown) => e instanceof CallError && e.code === 'ABORTED');
  await assert.rejects(
    b.call('poe://nobody/svc/never'),
    (e: unknown) => e instanceof CallError && e.code === 'NO_ROUTE',
  );
  assert.throws(
    () => b.post('poe://nobody/svc/x', 1),
    (e: unknown) => e instanceof CallError && e.code === 'NO_ROUTE',
  );
  assert.throws(() => b.post('not-a-spec', 1), /BAD_SPECIFIER|must start/);
});

test('publish/retract and subscribe/unsubscribe with proxies and monitor events', async () => {
  await using p = await pair();
  const { a, b } = p;
  const seen: string[] = [];
  a.addSession('svc', { ping: () => 'pong', echo: (x) => x });
  a.publish('svc', ['ping', 'echo']);
  a.monitor('b', {
    subscribe: (e) => seen.push(`a:subscribe:${e.kernel}:${e.session}:${e.direction}`),
    unsubscribe: (e) => seen.push(`a:unsubscribe:${e.kernel}:${e.session}:${e.cause}`),
  });
  b.monitor('*', {
    subscribe: (e) =>
      seen.push(`b:subscribe:${e.kernel}:${e.session}:${e.direction}:${e.states.join('+')}`),
    unsubscribe: (e) =>
      seen.push(
        `b:unsubscribe:${e.kernel}:${e.session}:${e.cause}:${e.states.join('+')}:${e.remaining.join('+')}`,
      ),
  });
  const result = await b.subscribe(['poe://*/svc', 'poe://a/none'], { timeoutMs: 2_000 });
  assert.deepEqual(
    result.subscribed.map((s) => [s.spec, s.kernel, [...s.states].sort()]),
    [['poe://*/svc', 'a', ['echo', 'ping']]],
  );
  assert.deepEqual(
    result.failed.map((f) => [f.spec, f.code]),
    [['poe://a/none', 'NOT_PUBLISHED']],
  );
  const proxy = b.getProxy('poe://a/svc');
  assert.ok(proxy !== undefined);
  assert.equal(await proxy.call('ping'), 'pong');

  a.retract('svc', ['echo']);
  await waitUntil('retract seen by the subscriber', () =>
    seen.some((s) => s.startsWith('b:unsubscribe:a:svc:retracted')),
  );
  assert.deepEqual(proxy.states, ['ping']);
  assert.deepEqual(a.published(), [{ session: 'svc', aliases: [], states: ['ping'] }]);
  await assert.rejects(
    b.call('poe://a/svc/echo'),
    (e: unknown) => e instanceof RemoteError && e.code === 'NOT_PUBLISHED',
  );

  b.unsubscribe(['poe://*/svc']);
  assert.equal(proxy.active, false);
  await waitUntil('unsubscribe seen by the publisher', () =>
    seen.includes('a:unsubscribe:b:svc:requested'),
  );

  // Retracting everything drops the proxy.
  await b.subscribe(['poe://a/svc']);
  a.retract('svc');
  await waitUntil('full retract', () => seen.includes('b:unsubscribe:a:svc:retracted:ping:'));
  assert.equal(b.getProxy('poe://a/svc'), undefined);
  assert.deepEqual(seen.slice(0, 2), [
    'a:subscribe:b:svc:remote',
    'b:subscribe:a:svc:local:echo+ping',
  ]);
});

test('broadcast to *, register/unregister/channel/shutdown monitor events', async () => {
  const hub = kernel('hub');
  const listener = await hub.listen();
  const got: string[] = [];
  const events: string[] = [];
  hub.monitor('*', {
    register: (e) => events.push(`register:${e.kernel}`),
    unregister: (e) => events.push(`unregister:${e.kernel}:${e.cause}`),
    channel: (e) => events.push(`channel:${e.kernel ?? '?'}:${e.event}`),
    shutdown: (e) => events.push(`shutdown:${e.reason}`),
  });
  const leaves = ['l1', 'l2', 'l3'].map((n) => {
    const k = kernel(n, { mesh: false });
    k.addSession('svc', { hear: (args) => got.push(`${n}:${String(args)}`) });
    k.publish('svc', ['hear']);
    return k;
  });
  for (const k of leaves) await k.connect(listener.address);
  await waitUntil('three registered', () => hub.kernels().length === 3);
  hub.post('poe://*/svc/hear', 'hello');
  await waitUntil('broadcast delivered', () => got.length === 3);
  assert.deepEqual(got.sort(), ['l1:hello', 'l2:hello', 'l3:hello']);
  await leaves[0]?.shutdown('bye now');
  await waitUntil('graceful leave unregisters at once', () =>
    events.includes('unregister:l1:left'),
  );
  await hub.shutdown('test over');
  await Promise.all(leaves.map((k) => k.shutdown()));
  assert.ok(
    events.includes('register:l1') &&
      events.includes('channel:l1:ready') &&
      events.includes('channel:l1:close'),
  );
  assert.ok(events.includes('shutdown:test over'));
  assert.ok(events.includes('unregister:l2:shutdown'));
});

test('authentication: wrong secret and duplicate names are refused with clear errors', async () => {
  const a = kernel('a');
  const listener = await a.listen();
  const errors: MonitorErrorEvent[] = [];
  a.monitor('*', { error: (e) => errors.push(e) });
  const wrong = new Kernel({ name: 'w', secret: 'not-the-secret' });
  await assert.rejects(
    wrong.connect(listener.address),
    (e: unknown) =>
      e instanceof HandshakeError && e.code === 'AUTH_FAILED' && /secret/.test(e.message),
  );
  const none = new Kernel({ name: 'n' });
  await assert.rejects(
    none.connect(listener.address),
    (e: unknown) => e instanceof HandshakeError && e.code === 'AUTH_FAILED',
  );
  const b1 = kernel('b');
  await b1.connect(listener.address);
  const b2 = kernel('b');
  await assert.rejects(
    b2.connect(listener.address),
    (e: unknown) =>
      e instanceof HandshakeError && e.code === 'NAME_TAKEN' && /already connected/.test(e.message),
  );
  await waitUntil('errors reported', () => errors.filter((e) => e.op === 'handshake').length >= 3);
  const stats = a.stats();
  assert.ok(stats.authFailures >= 2);
  assert.equal(stats.nameConflicts, 1);
  assert.equal(a.kernels().length, 1, 'the legitimate b is still there');
  assert.equal(await b1.ping('a'), 'PONG');
  await Promise.all([a, wrong, none, b1, b2].map((k) => k.shutdown()));
});

test('per-peer secrets (resolveSecret) as an endpoint token would use them', async () => {
  const tokens = new Map([['ep-1', 'token-1']]);
  const node = new Kernel({ name: 'node', resolveSecret: (peer) => tokens.get(peer) });
  const listener = await node.listen();
  const ep = new Kernel({ name: 'ep-1', secret: 'token-1', mesh: false });
  await ep.connect(listener.address);
  const imposter = new Kernel({ name: 'ep-2', secret: 'token-1' });
  await assert.rejects(
    imposter.connect(listener.address),
    (e: unknown) => e instanceof HandshakeError && e.code === 'AUTH_FAILED',
  );
  await Promise.all([node.shutdown(), ep.shutdown(), imposter.shutdown()]);
});

test('unix sockets and IPv6 listeners; bind addresses are validated', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aes-cluster-'));
  const a = kernel('a');
  try {
    const unix = await a.listen(`unix:${join(dir, 'a.sock')}`);
    const b = kernel('b');
    await b.connect(unix.address);
    assert.equal(await b.ping('a'), 'PONG');
    await b.shutdown();
    const v6 = await a.listen('tcp://[::1]:0').catch(() => undefined);
    if (v6 !== undefined) {
      assert.match(v6.address, /^tcp:\/\/\[::1\]:\d+$/);
      const c = kernel('c');
      await c.connect(v6.address);
      assert.equal(await c.ping('a'), 'PONG');
      await c.shutdown();
    }
    await assert.rejects(a.listen('tcp://example.com:0'), /bind to an IP address/);
    await assert.rejects(a.listen('tcp://10.255.255.1:0'), /cannot listen/);
    await assert.rejects(a.listen(`unix:${join(dir, 'a.sock')}`), /another process is listening/);
  } finally {
    await a.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('listener concurrency limit changes at run time', async () => {
  const a = kernel('a');
  const listener = await a.listen('tcp://127.0.0.1:0', { maxConnections: 1 });
  const b = kernel('b');
  await b.connect(listener.address);
  const c = kernel('c');
  await assert.rejects(
    c.connect(listener.address),
    (e: unknown) => e instanceof HandshakeError && e.code === 'BUSY',
  );
  assert.equal(a.stats().connectionsRefused, 1);
  listener.maxConnections = 2;
  await c.connect(listener.address);
  await waitUntil('a registers c', () => a.kernels().length === 2);
  await Promise.all([a.shutdown(), b.shutdown(), c.shutdown()]);
});

test('backpressure: post returns false above the high-water mark and throws when the queue is full', async () => {
  await using p = await pair();
  const { a, b } = p;
  a.addSession('svc', { sink: () => undefined });
  a.publish('svc', ['sink']);
  const small = kernel('small', { highWaterBytes: 4096, maxQueueBytes: 64 * 1024 });
  await small.connect(p.address);
  const big = 'x'.repeat(8 * 1024);
  let sawFalse = false;
  let full: unknown;
  try {
    for (let i = 0; i < 100_000; i++) {
      if (!small.post('poe://a/svc/sink', big)) sawFalse = true;
    }
  } catch (err) {
    full = err;
  }
  assert.ok(sawFalse, 'post reported the high-water mark');
  assert.ok(full instanceof QueueFullError && full.code === 'QUEUE_FULL' && full.retryable);
  assert.equal(small.stats().queueFull, 1);
  await small.waitWritable('a', { timeoutMs: 10_000 });
  assert.equal(small.post('poe://a/svc/sink', 'after'), true);
  assert.equal(await small.ping('a'), 'PONG');
  assert.ok(b.kernels().length === 1);
  await small.shutdown();
});

test('graceful shutdown lets a call being handled answer before the link closes', async () => {
  await using p = await pair();
  const { a, b } = p;
  a.addSession('svc', {
    work: async () => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      return 'finished';
    },
  });
  a.publish('svc', ['work']);
  const pending = b.call('poe://a/svc/work');
  await waitUntil('call arrived', () => a.stats().callsReceived === 1);
  const down = a.shutdown('maintenance');
  assert.equal(await pending, 'finished');
  await down;
  await waitUntil('b sees a leave', () => b.kernels().length === 0);
});

test('an endpoint kernel (no mesh) keeps its node as a seed over a Unix socket and redials after a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aes-cluster-'));
  const path = `unix:${join(dir, 'node.sock')}`;
  const tokens = new Map([['ep-1', 'launch-token']]);
  const startNode = async (): Promise<Kernel> => {
    const node = new Kernel({ name: 'node', resolveSecret: (peer) => tokens.get(peer) });
    node.addSession('ctl', { hello: () => 'hi' });
    node.publish('ctl', ['hello']);
    await node.listen(path);
    return node;
  };
  const ep = new Kernel({
    name: 'ep-1',
    secret: 'launch-token',
    mesh: false,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  const seen: string[] = [];
  ep.monitor('node', {
    register: () => seen.push('register'),
    unregister: (e) => seen.push(`unregister:${e.cause}`),
  });
  try {
    let node = await startNode();
    assert.equal(await ep.addSeed(path), undefined);
    assert.equal(await ep.call('poe://node/ctl/hello'), 'hi');
    await node.shutdown('restart');
    await waitUntil('endpoint saw the node leave', () => seen.includes('unregister:left'));
    node = await startNode();
    await waitUntil(
      'endpoint linked again',
      () => seen.filter((s) => s === 'register').length === 2,
      5_000,
    );
    assert.equal(await ep.call('poe://node/ctl/hello'), 'hi');
    await node.shutdown();
  } finally {
    await ep.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});
