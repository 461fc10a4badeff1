/**
 * Bad input and faults between real kernels on loopback (issue 15): a restarted kernel replaces
 * its old link while the peer has not noticed it died; a live kernel's name claimed again is
 * refused on both sides, and the refusal is reported once however often it is retried; a wrong
 * secret is a refusal on both sides; a seed that never answers and an advertised address nobody
 * can reach are reported as unreachable, by address. The same faults between `aes run` nodes on
 * several hosts are in test/hosts/refusals.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HandshakeError,
  Kernel,
  type KernelOptions,
  type KernelRefusal,
  type KernelUnreachableEvent,
  type UnregisterEvent,
} from '../../cluster/index.js';
import { waitUntil } from './support/wait.js';
import { TcpRelay } from '../support/tcp-relay.js';

const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

const SECRET = 'test-secret';

function kernel(name: string, extra: Partial<KernelOptions> = {}): Kernel {
  return new Kernel({ name, secret: SECRET, ...extra });
}

test('a kernel restarted before its peer noticed it died replaces its silent old link', async () => {
  // Its heartbeat would take 4 s to declare the old link dead: what lets the restart in sooner is
  // the probe of the old link (half the heartbeat timeout), not the timeout.
  const a = kernel('a', { heartbeatTimeoutMs: 4_000 });
  const lost: UnregisterEvent[] = [];
  a.monitor('*', { unregister: (e) => lost.push(e) });
  const listener = await a.listen();
  const path = await TcpRelay.start(portOf(listener.address));
  const old = kernel('b');
  const restarted = kernel('b');
  try {
    await old.connect(path.address);
    await waitUntil('a linked to b', () => a.getKernel('b') !== undefined);
    const before = a.getKernel('b');
    path.freeze(); // b dies silently: no FIN reaches a
    const diedAt = Date.now();
    const info = await restarted.connect(listener.address, { timeoutMs: 10_000 });
    const tookMs = Date.now() - diedAt;
    assert.equal(info.name, 'a');
    await waitUntil(
      'a linked to the restarted b',
      () => lost.length > 0 && a.getKernel('b') !== undefined,
    );
    assert.ok(tookMs < 4_000, `let in after ${tookMs} ms, not by the heartbeat timeout`);
    assert.notEqual(a.getKernel('b')?.address, before?.address, 'the new link is the one kept');
    assert.equal(lost.length, 1);
    assert.equal(lost[0]?.cause, 'lost');
    assert.match(String(lost[0]?.reason), /replaced by a new incarnation of 'b'.*did not answer/);
    assert.equal(await a.ping('b', { timeoutMs: 2_000 }), 'PONG');
    assert.deepEqual(
      a.refusals().filter((r) => r.code === 'NAME_TAKEN'),
      [],
    );
  } finally {
    await path.close();
    await Promise.all([a.shutdown(), old.shutdown(), restarted.shutdown()]);
  }
});

test('a live kernel whose name is claimed again: refused on both sides, reported once, counted', async () => {
  const a = kernel('a');
  const refusals: KernelRefusal[] = [];
  a.observe({ refusal: (r) => refusals.push(r) });
  const listener = await a.listen();
  const first = kernel('b', { advertise: ['tcp://10.0.0.2:7420'] });
  const second = kernel('b', { advertise: ['tcp://10.0.0.3:7420'] });
  const theirs: KernelRefusal[] = [];
  second.observe({ refusal: (r) => theirs.push(r) });
  try {
    await first.connect(listener.address);
    for (let i = 0; i < 3; i += 1) {
      await assert.rejects(
        second.connect(listener.address),
        (e: unknown) =>
          e instanceof HandshakeError &&
          e.code === 'NAME_TAKEN' &&
          // both claimants' addresses, for the logs of both sides
          /already connected to 'a', from 127\.0\.0\.1:\d+, advertising tcp:\/\/10\.0\.0\.2:7420, and answers; refused the one claimed by 127\.0\.0\.1:\d+, advertising tcp:\/\/10\.0\.0\.3:7420/.test(
            e.message,
          ),
      );
    }
    await waitUntil('a refused b three times', () => (a.refusals()[0]?.count ?? 0) === 3);
    const [mine] = a.refusals();
    assert.equal(mine?.direction, 'inbound');
    assert.equal(mine?.name, 'b');
    assert.equal(refusals.length, 1, 'reported at the first refusal, not at every retry');
    assert.equal(theirs.length, 1);
    assert.equal(theirs[0]?.direction, 'outbound');
    assert.equal(theirs[0]?.address, listener.address);
    assert.equal(second.refusals()[0]?.count, 3);
    assert.equal(a.kernels().length, 1, 'the first b keeps its link');
    assert.equal(await a.ping('b', { timeoutMs: 2_000 }), 'PONG');
  } finally {
    await Promise.all([a.shutdown(), first.shutdown(), second.shutdown()]);
  }
});

test('a wrong secret is a refusal on both sides, naming the address', async () => {
  const a = kernel('a');
  const listener = await a.listen();
  const wrong = new Kernel({ name: 'c', secret: 'not-the-secret' });
  try {
    await assert.rejects(wrong.connect(listener.address), /AUTH_FAILED|secret/);
    await waitUntil('a recorded the refusal', () => a.refusals().length === 1);
    const [mine] = a.refusals();
    assert.equal(mine?.code, 'AUTH_FAILED');
    assert.equal(mine?.name, 'c');
    assert.match(String(mine?.address), /^127\.0\.0\.1:\d+$/);
    const [theirs] = wrong.refusals();
    assert.equal(theirs?.code, 'AUTH_FAILED');
    assert.equal(theirs?.address, listener.address);
  } finally {
    await Promise.all([a.shutdown(), wrong.shutdown()]);
  }
});

test('a seed that never answers is reported by address at the first failure, then seldom', async () => {
  // A port just freed: nothing listens there.
  const spare = await new Kernel({ name: 'spare', secret: SECRET }).listen();
  const dead = spare.address;
  await spare.close();
  const reports: KernelUnreachableEvent[] = [];
  const k = kernel('k', { seeds: [dead], backoff: { initialMs: 10, maxMs: 20 } });
  k.observe({ unreachable: (e) => reports.push(e) });
  try {
    await k.start();
    // Redialed every 10-20 ms meanwhile: dozens of attempts.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(reports.length, 1, 'one report, however many redials');
    assert.equal(reports[0]?.seed, true);
    assert.equal(reports[0]?.failures[0]?.address, dead);
    const [member] = k.members();
    assert.equal(member?.address, dead);
    assert.equal(member?.connected, false);
    assert.match(String(member?.error), /ECONNREFUSED/);
  } finally {
    await k.shutdown();
  }
});

test('an advertised address nobody can reach is reported by the kernels that dial it', async () => {
  const spare = await new Kernel({ name: 'spare', secret: SECRET }).listen();
  const nowhere = spare.address;
  await spare.close();
  const a = kernel('a');
  const listener = await a.listen();
  const x = kernel('x', { advertise: [nowhere] });
  const c = kernel('c');
  const reports: KernelUnreachableEvent[] = [];
  c.observe({ unreachable: (e) => reports.push(e) });
  try {
    await x.listen();
    await x.connect(listener.address);
    await c.listen();
    await c.connect(listener.address); // a tells c of x, at the address x advertised
    await waitUntil('c reports x unreachable', () => reports.length > 0);
    assert.equal(reports[0]?.name, 'x');
    assert.equal(reports[0]?.seed, false);
    assert.equal(reports[0]?.failures[0]?.address, nowhere);
    // x dials c itself (a told it of c), so the mesh closes all the same.
    await waitUntil('c linked to x', () => c.getKernel('x') !== undefined);
  } finally {
    await Promise.all([a.shutdown(), x.shutdown(), c.shutdown()]);
  }
});
