/**
 * A specifier that names no kernel (`poe:/session/state`, IKC's blank kernel) goes to the
 * kernel's default kernel; `disconnect` closes one peer's link and leaves the others alone.
 * Real kernels over loopback TCP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CallError,
  Kernel,
  parseStateSpec,
  type KernelOptions,
  type UnregisterEvent,
} from '../../cluster/index.js';
import { waitUntil } from './support/wait.js';

const SECRET = 'default-kernel-secret';

function kernel(name: string, extra: Partial<KernelOptions> = {}): Kernel {
  return new Kernel({ name, secret: SECRET, ...extra });
}

function serve(k: Kernel, answer: unknown): void {
  k.addSession('svc', { who: () => answer });
  k.publish('svc', ['who']);
}

test('a specifier without a kernel is parsed only with a default kernel', () => {
  assert.deepEqual(parseStateSpec('poe:/svc/who', 'b'), {
    kernel: 'b',
    session: 'svc',
    state: 'who',
  });
  assert.deepEqual(parseStateSpec('poe:///svc/who', 'b'), {
    kernel: 'b',
    session: 'svc',
    state: 'who',
  });
  assert.deepEqual(parseStateSpec({ kernel: '', session: 'svc', state: 'who' }, 'b').kernel, 'b');
  assert.throws(() => parseStateSpec('poe:/svc/who'), { code: 'BAD_SPECIFIER' });
  assert.throws(() => parseStateSpec('poe:svc/who', 'b'), { code: 'BAD_SPECIFIER' });
  assert.throws(() => parseStateSpec('poe:/svc', 'b'), { code: 'BAD_SPECIFIER' });
  assert.throws(() => new Kernel({ name: 'x', defaultKernel: '*' }), { code: 'BAD_OPTIONS' });
});

test('poe:/session/state goes to the default kernel: the local one, or the one configured', async () => {
  const a = kernel('a', { defaultKernel: 'b' });
  const b = kernel('b');
  const lone = kernel('lone');
  serve(a, 'a');
  serve(b, 'b');
  serve(lone, 'lone');
  try {
    const listener = await b.listen();
    await a.connect(listener.address);
    assert.equal(await a.call('poe:/svc/who'), 'b');
    assert.equal(await a.call('poe://a/svc/who'), 'a');
    assert.equal(await b.call('poe:/svc/who'), 'b', "b's default kernel is b itself");
    assert.equal(await lone.call('poe:/svc/who'), 'lone');
    const got: unknown[] = [];
    b.setState('svc', 'note', (args) => void got.push(args));
    b.publish('svc', ['note']);
    a.post('poe:/svc/note', 'hi');
    await waitUntil('the post reaches b', () => got.length === 1);
    const sub = await a.subscribe(['poe:/svc']);
    assert.equal(sub.subscribed[0]?.kernel, 'b');
  } finally {
    await Promise.all([a.shutdown(), b.shutdown(), lone.shutdown()]);
  }
});

test('disconnect closes one peer link; the other peer, its link and its calls are untouched; no redial', async () => {
  const a = kernel('a');
  const b = kernel('b');
  const c = kernel('c');
  let releaseB: () => void = () => undefined;
  let releaseC: () => void = () => undefined;
  b.addSession('svc', {
    slow: () => new Promise((resolve) => (releaseB = () => resolve('b'))),
  });
  b.publish('svc', ['slow']);
  c.addSession('svc', {
    slow: () => new Promise((resolve) => (releaseC = () => resolve('c'))),
    fast: () => 'c fast',
  });
  c.publish('svc', ['slow', 'fast']);
  try {
    const lb = await b.listen();
    const lc = await c.listen();
    // Seeds: a would redial both after a loss.
    await a.addSeed(lb.address);
    await a.addSeed(lc.address);
    await waitUntil('a linked to b and c', () => a.kernels().length === 2);
    const unregistered: UnregisterEvent[] = [];
    a.monitor('*', { unregister: (e) => unregistered.push(e) });
    const toB = a.call('poe://b/svc/slow', null, { timeoutMs: 10_000 });
    const toC = a.call('poe://c/svc/slow', null, { timeoutMs: 10_000 });
    const cLink = a.getKernel('c');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await a.disconnect('b', { graceMs: 100 }), true);
    await assert.rejects(toB, (err: unknown) => {
      assert.ok(err instanceof CallError);
      assert.equal(err.code, 'CHANNEL_CLOSED');
      assert.match(err.message, /call \d+ to poe:\/\/b\/svc\/slow/);
      assert.match(err.message, /disconnected/);
      return true;
    });
    assert.deepEqual(
      unregistered.map((e) => [e.kernel, e.cause]),
      [['b', 'disconnected']],
    );
    // c: same link, its call still answered.
    releaseC();
    assert.equal(await toC, 'c');
    assert.equal(a.getKernel('c')?.address, cLink?.address);
    assert.equal(await a.call('poe://c/svc/fast', null, { timeoutMs: 5_000 }), 'c fast');
    // b is not redialed (its backoff would have tried several times by now).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(a.getKernel('b'), undefined);
    assert.equal(a.members().find((m) => m.name === 'b')?.redialing, false);
    assert.equal(await a.disconnect('b'), false, 'nothing to close any more');
    // connect() links it again, and it is kept (redialed) from then on.
    await a.connect(lb.address);
    assert.equal(a.members().find((m) => m.name === 'b')?.redialing, true);
    releaseB();
  } finally {
    releaseB();
    releaseC();
    await Promise.all([a.shutdown(), b.shutdown(), c.shutdown()]);
  }
});
