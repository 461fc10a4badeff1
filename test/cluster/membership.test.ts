/**
 * Membership over a fake host and a fake clock: redial with backoff, one record per name, what a
 * member's record says (linked, since when, why not), forgetting, seeds, and dials of itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_LEARNED_MEMBERS,
  Membership,
  type KernelMember,
  type DialFailure,
  type MembershipHost,
  type MembershipOptions,
} from '../../cluster/membership.js';
import { ClusterError, SelfDialError } from '../../cluster/errors.js';

class FakeHost implements MembershipHost {
  readonly name = 'me';
  now_ = 0;
  connected = new Set<string>();
  dials: string[] = [];
  /** address → name it answers with, or an error. */
  answers = new Map<string, string | ClusterError>();
  /** address → the linked kernel `identify` names. */
  identities = new Map<string, string>();
  timers: { at: number; fn: () => void; live: boolean }[] = [];
  refusals: string[] = [];
  failures: DialFailure[] = [];
  dialFailed(failure: DialFailure): void {
    this.failures.push(failure);
  }
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
  identify(address: string): Promise<string | undefined> {
    return Promise.resolve(this.identities.get(address));
  }
  async advance(ms: number): Promise<void> {
    const end = this.now_ + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (next === undefined) break;
      next.live = false;
      this.now_ = next.at;
      next.fn();
      await settle();
    }
    this.now_ = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

const OPTIONS: MembershipOptions = {
  backoff: { initialMs: 100, maxMs: 1_000, jitter: 0 },
  forgetAfterMs: 60_000,
  mesh: true,
};

function member(m: Membership, name: string): KernelMember {
  const found = m.members().find((x) => x.name === name);
  assert.ok(found, `member ${name} in ${JSON.stringify(m.members())}`);
  return found;
}

test('a seed is redialed with growing delays until it answers, then after every loss', async () => {
  const host = new FakeHost();
  const m = new Membership(host, OPTIONS);
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
  assert.deepEqual(m.members(), [
    {
      name: 'seed',
      address: 'tcp://seed:1',
      addresses: ['tcp://seed:1'],
      seed: true,
      connected: true,
      since: 700,
      error: undefined,
      redialing: true,
    },
  ]);
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

test('the redial delay of a member cut off for long stays at the ceiling (1 s here)', async () => {
  const host = new FakeHost();
  const m = new Membership(host, OPTIONS);
  host.connected.add('b');
  m.linked('b', ['tcp://b:1']);
  host.connected.delete('b');
  m.linkClosed('b', 'lost', 'silent');
  await host.advance(30_000);
  const dials = host.dials.length;
  assert.ok(dials >= 28 && dials <= 32, `${dials} dials in 30 s`);
  // It heals: linked again within one delay.
  host.answers.set('tcp://b:1', 'b');
  await host.advance(1_000);
  assert.equal(member(m, 'b').connected, true);
  m.close();
});

test('learned kernels: dialed unless linked, dropped a while after a graceful leave, given up (not forgotten) after forgetAfterMs', async () => {
  const host = new FakeHost();
  const m = new Membership(host, { ...OPTIONS, forgetAfterMs: 2_000 });
  host.answers.set('tcp://b:1', 'b');
  m.learn('b', ['tcp://b:1']);
  m.learn('me', ['tcp://me:1']);
  host.connected.add('c');
  m.linked('c', ['tcp://c:1']);
  m.learn('c', ['tcp://c:1']);
  await host.advance(0);
  assert.deepEqual(host.dials, ['tcp://b:1'], 'not itself, not an already linked kernel');
  host.connected.delete('b');
  m.linkClosed('b', 'left', 'node stopping');
  await host.advance(1_000);
  assert.deepEqual(host.dials, ['tcp://b:1'], 'a kernel that left is not redialed');
  assert.equal(member(m, 'b').error, 'left: node stopping');
  await host.advance(1_500);
  assert.equal(
    m.members().some((t) => t.name === 'b'),
    false,
    'dropped forgetAfterMs after it left',
  );
  // c is lost and never comes back: after forgetAfterMs no longer dialed, still known as down.
  host.connected.delete('c');
  m.linkClosed('c', 'lost', "'c' silent for 2000 ms (heartbeat timeout)");
  const lostAt = host.now_;
  await host.advance(10_000);
  const attempts = host.dials.filter((d) => d === 'tcp://c:1').length;
  assert.ok(attempts >= 3 && attempts < 10, `${attempts} attempts`);
  const c = member(m, 'c');
  assert.equal(c.connected, false);
  assert.equal(c.redialing, false);
  assert.equal(c.since, lostAt);
  assert.equal(c.error, "lost: 'c' silent for 2000 ms (heartbeat timeout); redial: refused");
  // A peer tells of it again: dialed at once.
  host.answers.set('tcp://c:1', 'c');
  m.learn('c', ['tcp://c:1']);
  await host.advance(0);
  assert.equal(member(m, 'c').connected, true);
  assert.equal(member(m, 'c').error, undefined);
  m.close();
});

test('members are keyed by name: a shared address (the same socket path on every host) swallows nobody', async () => {
  const host = new FakeHost();
  const m = new Membership(host, OPTIONS);
  host.answers.set('tcp://10.0.0.1:7420', 'a');
  await m.addSeed('tcp://10.0.0.1:7420');
  host.connected.add('b');
  m.linked('b', ['unix:/srv/aes/data/node.sock', 'tcp://10.0.0.2:7420']);
  m.learn('c', ['unix:/srv/aes/data/node.sock', 'tcp://10.0.0.3:7420']);
  await host.advance(0);
  assert.deepEqual(
    m
      .members()
      .map((x) => x.name)
      .sort(),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(member(m, 'c').addresses, [
    'unix:/srv/aes/data/node.sock',
    'tcp://10.0.0.3:7420',
  ]);
  // c's first address fails; the next one is tried in the same attempt.
  assert.deepEqual(host.dials.slice(-2), ['unix:/srv/aes/data/node.sock', 'tcp://10.0.0.3:7420']);
  m.close();
});

test('a seed reached under a name already known becomes one member with that name', async () => {
  const host = new FakeHost();
  const m = new Membership(host, OPTIONS);
  // a linked to us first (its handshake named it), then our dial of the seed reaches it.
  host.connected.add('a');
  m.linked('a', ['tcp://10.0.0.1:7420']);
  host.answers.set('tcp://h1:7420', 'a');
  await m.addSeed('tcp://h1:7420');
  assert.deepEqual(
    m.members().map((x) => [x.name, x.seed, x.addresses]),
    [['a', true, ['tcp://h1:7420', 'tcp://10.0.0.1:7420']]],
  );
  m.close();
});

test('a dial of this kernel itself forgets that address, a seed included, and never fails the start', async () => {
  const host = new FakeHost();
  const m = new Membership(host, OPTIONS);
  host.answers.set('tcp://h1:7420', new SelfDialError('tcp://h1:7420', 'me'));
  host.answers.set('tcp://172.17.0.1:7420', new SelfDialError('tcp://172.17.0.1:7420', 'me'));
  assert.equal(await m.addSeed('tcp://h1:7420'), undefined);
  assert.deepEqual(m.members(), [], 'a seed that is this kernel is no member');
  await host.advance(10_000);
  assert.equal(await m.addSeed('tcp://h1:7420'), undefined);
  assert.deepEqual(host.dials, ['tcp://h1:7420'], 'dialed once');
  // b advertises an address that is ours too (a docker bridge on every host): skipped from then.
  host.answers.set('tcp://10.0.0.2:7420', 'b');
  m.learn('b', ['tcp://172.17.0.1:7420', 'tcp://10.0.0.2:7420']);
  await host.advance(0);
  host.connected.delete('b');
  m.linkClosed('b', 'lost', 'reset');
  await host.advance(100);
  assert.deepEqual(host.dials.slice(1), [
    'tcp://172.17.0.1:7420',
    'tcp://10.0.0.2:7420',
    'tcp://10.0.0.2:7420',
  ]);
  assert.deepEqual(member(m, 'b').addresses, ['tcp://10.0.0.2:7420']);
  m.close();
});

test('DUPLICATE_LINK counts as linked (an unnamed seed is identified or parked); NAME_TAKEN is reported and retried', async () => {
  const host = new FakeHost();
  const m = new Membership(host, OPTIONS);
  host.answers.set('tcp://d:1', new ClusterError('DUPLICATE_LINK', 'already'));
  host.answers.set('tcp://f:1', new ClusterError('DUPLICATE_LINK', 'already'));
  host.answers.set('tcp://e:1', new ClusterError('NAME_TAKEN', 'taken'));
  host.identities.set('tcp://f:1', 'f');
  host.connected.add('f');
  await m.addSeed('tcp://d:1');
  await m.addSeed('tcp://f:1');
  await m.addSeed('tcp://e:1');
  await host.advance(1_000);
  assert.equal(host.dials.filter((d) => d === 'tcp://d:1').length, 1);
  assert.ok(host.dials.filter((d) => d === 'tcp://e:1').length > 1);
  assert.ok(host.refusals.includes('tcp://e:1'));
  assert.deepEqual(
    m.members().map((x) => [x.name, x.address, x.connected]),
    [
      [undefined, 'tcp://d:1', true],
      ['f', 'tcp://f:1', true],
      [undefined, 'tcp://e:1', false],
    ],
  );
  // A link is lost: the parked seed is dialed again to find out whether it was that one.
  m.linkClosed('x', 'lost', 'reset');
  await host.advance(100);
  assert.equal(host.dials.filter((d) => d === 'tcp://d:1').length, 2);
  m.close();
  const before = host.dials.length;
  await host.advance(10_000);
  assert.equal(host.dials.length, before, 'nothing after close');
});

test('without mesh only seeds are members: links and peers teach nothing', async () => {
  const host = new FakeHost();
  const m = new Membership(host, { ...OPTIONS, mesh: false });
  host.answers.set('unix:/run/node.sock', 'node');
  await m.addSeed('unix:/run/node.sock');
  host.connected.add('other');
  m.linked('other', ['tcp://other:1']);
  m.learn('third', ['tcp://third:1']);
  await host.advance(1_000);
  assert.deepEqual(
    m.members().map((x) => x.name),
    ['node'],
  );
  assert.deepEqual(host.dials, ['unix:/run/node.sock']);
  m.close();
});

test('what a peer tells is checked: malformed addresses are dropped, learned members are bounded', async () => {
  const host = new FakeHost();
  const m = new Membership(host, OPTIONS);
  m.learn('x', ['not an address', 'tcp://x:1', 'unix:relative', 'tcp://x:1']);
  m.learn('y', ['nonsense']);
  await host.advance(0);
  assert.deepEqual(
    m.members().map((t) => [t.name, t.addresses]),
    [['x', ['tcp://x:1']]],
  );
  assert.deepEqual(host.dials, ['tcp://x:1']);
  for (let i = 0; i < MAX_LEARNED_MEMBERS + 10; i++) m.learn(`k${i}`, [`tcp://k${i}:1`]);
  assert.equal(m.members().length, MAX_LEARNED_MEMBERS);
  m.close();
});
