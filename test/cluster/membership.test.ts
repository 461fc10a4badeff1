/** Membership over a fake host and a fake clock: redial with backoff, forgetting, seeds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Membership, type MembershipHost } from '../../cluster/membership.js';
import { ClusterError } from '../../cluster/errors.js';

class FakeHost implements MembershipHost {
  readonly name = 'me';
  now_ = 0;
  connected = new Set<string>();
  dials: string[] = [];
  /** address → name it answers with, or an error code. */
  answers = new Map<string, string | ClusterError>();
  timers: { at: number; fn: () => void; live: boolean }[] = [];
  refusals: string[] = [];
  dial(address: string): Promise<string> {
    this.dials.push(address);
    const answer = this.answers.get(address) ?? new ClusterError('CHANNEL_CLOSED', 'refused');
    if (typeof answer === 'string') {
      this.connected.add(answer);
      return Promise.resolve(answer);
    }
    return Promise.reject(answer);
  }
  isConnected(name: string): boolean {
    return this.connected.has(name);
  }
  now(): number {
    return this.now_;
  }
  schedule(fn: () => void, ms: number): () => void {
    const timer = { at: this.now_ + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }
  refused(address: string): void {
    this.refusals.push(address);
  }
  async advance(ms: number): Promise<void> {
    const end = this.now_ + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (next === undefined) break;
      next.live = false;
      this.now_ = next.at;
      next.fn();
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.now_ = end;
  }
}

const BACKOFF = { initialMs: 100, maxMs: 1_000, jitter: 0 };

test('a seed is redialed with growing delays until it answers, then after every loss', async () => {
  const host = new FakeHost();
  const m = new Membership(host, BACKOFF, 60_000);
  await m.addSeed('tcp://seed:1');
  assert.equal(host.dials.length, 1);
  await host.advance(100);
  assert.equal(host.dials.length, 2);
  await host.advance(150);
  assert.equal(host.dials.length, 2, 'second delay is 200 ms');
  await host.advance(50);
  assert.equal(host.dials.length, 3);
  host.answers.set('tcp://seed:1', 'seed');
  await host.advance(400);
  assert.equal(host.dials.length, 4);
  assert.ok(host.connected.has('seed'));
  // Lost: redialed after the first delay again (backoff was reset by the success).
  host.connected.delete('seed');
  m.linkClosed('seed', 'lost');
  await host.advance(100);
  assert.equal(host.dials.length, 5);
  // Even a graceful leave keeps a seed.
  host.connected.delete('seed');
  m.linkClosed('seed', 'left');
  await host.advance(100);
  assert.equal(host.dials.length, 6);
  m.close();
});

test('learned kernels: dialed unless connected, forgotten on a graceful leave or after forgetAfterMs', async () => {
  const host = new FakeHost();
  const m = new Membership(host, BACKOFF, 2_000);
  host.answers.set('tcp://b:1', 'b');
  m.learn('b', ['tcp://b:1'], false);
  m.learn('me', ['tcp://me:1'], false);
  m.learn('c', ['tcp://c:1'], true);
  await host.advance(0);
  assert.deepEqual(host.dials, ['tcp://b:1'], 'not itself, not an already connected kernel');
  host.connected.delete('b');
  m.linkClosed('b', 'left');
  await host.advance(10_000);
  assert.deepEqual(host.dials, ['tcp://b:1'], 'a kernel that left is not redialed');
  assert.equal(
    m.targets().some((t) => t.name === 'b'),
    false,
  );
  // c is lost and never comes back: forgotten after forgetAfterMs.
  host.connected.delete('c');
  m.linkClosed('c', 'lost');
  await host.advance(10_000);
  const attempts = host.dials.filter((d) => d === 'tcp://c:1').length;
  assert.ok(attempts >= 3 && attempts < 10, `${attempts} attempts`);
  assert.equal(
    m.targets().some((t) => t.name === 'c'),
    false,
  );
  m.close();
});

test('DUPLICATE_LINK counts as linked; NAME_TAKEN is reported and retried', async () => {
  const host = new FakeHost();
  const m = new Membership(host, BACKOFF, 60_000);
  host.answers.set('tcp://d:1', new ClusterError('DUPLICATE_LINK', 'already'));
  host.answers.set('tcp://e:1', new ClusterError('NAME_TAKEN', 'taken'));
  await m.addSeed('tcp://d:1');
  await m.addSeed('tcp://e:1');
  await host.advance(1_000);
  assert.equal(host.dials.filter((d) => d === 'tcp://d:1').length, 1);
  assert.ok(host.dials.filter((d) => d === 'tcp://e:1').length > 1);
  assert.ok(host.refusals.includes('tcp://e:1'));
  m.close();
  const before = host.dials.length;
  await host.advance(10_000);
  assert.equal(host.dials.length, before, 'nothing after close');
});
