/**
 * A call survives a short link drop: real kernels over TCP through a relay of the test's own,
 * cut for about a second. The callee's handler counts its runs: every call is answered, and run
 * once. Then what must still fail (a deadline passing during the cut, a callee that restarted),
 * a caller that restarted (its ids start again), and the callee's memory staying bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallError, Kernel, type KernelOptions } from '../../cluster/index.js';
import { CallMemory, type RememberedAnswer } from '../../cluster/call-memory.js';
import type { Link } from '../../cluster/link.js';
import type { PeerIdentity } from '../../cluster/link-types.js';
import { TcpRelay } from '../support/tcp-relay.js';
import { waitUntil } from './support/wait.js';

const SECRET = 'resumed-calls-secret';

function kernel(name: string, extra: Partial<KernelOptions> = {}): Kernel {
  return new Kernel({ name, secret: SECRET, ...extra });
}

/** A gate a handler waits at until the test opens it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/**
 * A callee behind a relay (it advertises the relay, so redials go through it too) and a caller
 * that has the relay as its seed: the caller redials after a cut, with its usual backoff.
 */
async function cluster(
  handler: (args: unknown) => unknown,
  callerOptions: Partial<KernelOptions> = {},
): Promise<{
  caller: Kernel;
  callee: Kernel;
  relay: TcpRelay;
  runs: unknown[];
  [Symbol.asyncDispose](): Promise<void>;
}> {
  const relay = await TcpRelay.start(0);
  // The callee tells the caller to dial it at the relay, never around it.
  const callee = kernel('callee', { advertise: [relay.address] });
  const runs: unknown[] = [];
  callee.addSession('svc', {
    work: (args) => {
      runs.push(args);
      return handler(args);
    },
  });
  callee.publish('svc', ['work']);
  const listener = await callee.listen('tcp://127.0.0.1:0');
  relay.target = Number(new URL(listener.address).port);
  const caller = kernel('caller', { seeds: [relay.address], ...callerOptions });
  await caller.start();
  await waitUntil('caller linked', () => caller.getKernel('callee') !== undefined);
  return {
    caller,
    callee,
    relay,
    runs,
    async [Symbol.asyncDispose]() {
      await relay.close();
      await Promise.all([caller.shutdown(), callee.shutdown()]);
    },
  };
}

/** The callee's address the caller holds for it: only the relay's. */
function calleeAddresses(caller: Kernel): readonly string[] {
  return caller.members().find((m) => m.name === 'callee')?.addresses ?? [];
}

test('a call whose link is cut for a second while its handler finishes is answered, and run once', async () => {
  const g = gate();
  await using c = await cluster(async (args) => {
    await g.wait;
    return { echoed: args };
  });
  const { caller, callee, relay, runs } = c;
  // The caller dials only the relay: the callee's own port is never told (advertise below).
  assert.ok(
    calleeAddresses(caller).every((a) => a === relay.address),
    String(calleeAddresses(caller)),
  );
  const answer = caller.call('poe://callee/svc/work', { n: 1 }, { timeoutMs: 15_000 });
  await waitUntil('the handler runs', () => runs.length === 1);
  await relay.cut();
  await waitUntil('the caller sees the link lost', () => caller.getKernel('callee') === undefined);
  g.open(); // the handler finishes while the link is down: its reply has nowhere to go
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await relay.heal();
  assert.deepEqual(await answer, { echoed: { n: 1 } });
  assert.equal(runs.length, 1, 'the handler ran once');
  assert.equal(caller.stats().callsResent, 1);
  assert.equal(callee.stats().callsRepeated, 1);
});

test('a call whose link comes back while its handler still runs is answered when it ends, once', async () => {
  const g = gate();
  await using c = await cluster(async (args) => {
    await g.wait;
    return args;
  });
  const { caller, callee, relay, runs } = c;
  const answer = caller.call('poe://callee/svc/work', 'text payload', { timeoutMs: 15_000 });
  await waitUntil('the handler runs', () => runs.length === 1);
  await relay.cut();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await relay.heal();
  await waitUntil('the call is sent again', () => callee.stats().callsRepeated === 1, 5_000);
  g.open();
  assert.equal(await answer, 'text payload');
  assert.equal(runs.length, 1);
  assert.equal(caller.stats().callsResent, 1);
});

test('a call whose deadline passes during the cut fails with TIMEOUT; posts are not resent', async () => {
  const g = gate();
  await using c = await cluster(async () => {
    await g.wait;
    return 'late';
  });
  const { caller, relay, runs } = c;
  const answer = caller.call('poe://callee/svc/work', 1, { timeoutMs: 600 });
  caller.post('poe://callee/svc/work', 'posted');
  await waitUntil('the call and the post run', () => runs.length === 2);
  await relay.cut();
  await assert.rejects(answer, (err: unknown) => {
    assert.ok(err instanceof CallError);
    assert.equal(err.code, 'TIMEOUT');
    assert.match(err.message, /call \d+ to poe:\/\/callee\/svc\/work/);
    return true;
  });
  await relay.heal();
  await waitUntil('relinked', () => caller.getKernel('callee') !== undefined);
  g.open();
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(runs.length, 2, 'neither the call nor the post ran again');
  assert.equal(caller.stats().callsResent, 0);
});

test('a pending call to a callee that restarted meanwhile fails with CHANNEL_CLOSED, never runs twice', async () => {
  const relay = await TcpRelay.start(0);
  const first = kernel('callee', { advertise: [relay.address] });
  let firstRuns = 0;
  first.addSession('svc', {
    work: () => {
      firstRuns += 1;
      return new Promise(() => undefined); // never answers
    },
  });
  first.publish('svc', ['work']);
  const listener = await first.listen('tcp://127.0.0.1:0');
  const port = Number(new URL(listener.address).port);
  relay.target = port;
  const caller = kernel('caller', { seeds: [relay.address] });
  let second: Kernel | undefined;
  try {
    await caller.start();
    await waitUntil('linked', () => caller.getKernel('callee') !== undefined);
    const answer = caller.call('poe://callee/svc/work', null, { timeoutMs: 15_000 });
    await waitUntil('the handler runs', () => firstRuns === 1);
    await relay.cut();
    await first.shutdown('restart', { graceMs: 50 });
    second = kernel('callee', { advertise: [relay.address] });
    let secondRuns = 0;
    second.addSession('svc', {
      work: () => {
        secondRuns += 1;
        return 'second';
      },
    });
    second.publish('svc', ['work']);
    await second.listen(`tcp://127.0.0.1:${port}`);
    await relay.heal();
    await assert.rejects(answer, (err: unknown) => {
      assert.ok(err instanceof CallError);
      assert.equal(err.code, 'CHANNEL_CLOSED');
      assert.match(err.message, /'callee' restarted/);
      return true;
    });
    assert.equal(secondRuns, 0, 'the new incarnation never ran the old call');
    assert.equal(await caller.call('poe://callee/svc/work', null, { timeoutMs: 5_000 }), 'second');
    assert.equal(secondRuns, 1);
  } finally {
    await relay.close();
    await Promise.all([caller.shutdown(), first.shutdown(), second?.shutdown()]);
  }
});

test('a restarted caller counts its ids from 1 again and is not answered with its old replies', async () => {
  const callee = kernel('callee');
  const runs: unknown[] = [];
  callee.addSession('svc', {
    work: (args) => {
      runs.push(args);
      return args;
    },
  });
  callee.publish('svc', ['work']);
  const listener = await callee.listen('tcp://127.0.0.1:0');
  try {
    const first = kernel('caller');
    await first.connect(listener.address);
    assert.equal(await first.call('poe://callee/svc/work', 'first life'), 'first life');
    await first.shutdown();
    await waitUntil('callee saw it go', () => callee.getKernel('caller') === undefined);
    const second = kernel('caller');
    await second.connect(listener.address);
    // Its first call has id 1 again: the callee remembers id 1 of the first life only.
    assert.equal(await second.call('poe://callee/svc/work', 'second life'), 'second life');
    assert.deepEqual(runs, ['first life', 'second life']);
    await second.shutdown();
  } finally {
    await callee.shutdown();
  }
});

test('a callee that remembers nothing (callMemoryMs 0) is not resent calls: the cut fails them at once', async () => {
  const callee = kernel('callee', { callMemoryMs: 0 });
  callee.addSession('svc', { work: () => new Promise(() => undefined) });
  callee.publish('svc', ['work']);
  const listener = await callee.listen('tcp://127.0.0.1:0');
  const relay = await TcpRelay.start(Number(new URL(listener.address).port));
  const caller = kernel('caller');
  try {
    await caller.connect(relay.address);
    const answer = caller.call('poe://callee/svc/work', null, { timeoutMs: 15_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await relay.cut();
    await assert.rejects(answer, { name: 'CallError', code: 'CHANNEL_CLOSED' });
    assert.ok(Date.now() - started < 1_000);
  } finally {
    await relay.close();
    await Promise.all([caller.shutdown(), callee.shutdown()]);
  }
});

// ------------------------------------------------------------------ the callee's memory, alone

function fakeLink(name: string, incarnation: string): Link {
  const peer: Partial<PeerIdentity> = { name, incarnation, resume: 60_000 };
  return { peer, state: 'ready' } as unknown as Link;
}

test('the call memory is bounded in entries and time, and refuses a repeat it forgot rather than run it', () => {
  let now = 0;
  const sent: [Link, RememberedAnswer][] = [];
  const memory = new CallMemory({
    windowMs: 1_000,
    maxEntries: 3,
    maxBytes: 1_000_000,
    now: () => now,
    send: (link, answer) => sent.push([link, answer]),
  });
  const a = fakeLink('a', 'life-1');
  const reply = (id: number): RememberedAnswer => ({
    kind: 'reply',
    frame: { type: 18, head: `[${id},"r"]`, tail: undefined },
  });
  for (let id = 1; id <= 5; id++) {
    assert.equal(memory.start(a, id), 'run');
    memory.finish(a, id, reply(id));
  }
  assert.equal(memory.size, 3, 'at most maxEntries answers');
  // 1 and 2 were forgotten early: a repeat is refused, not run again.
  assert.equal(memory.start(a, 2), 'forgotten');
  // 5 is remembered: answered from memory, on the link the repeat came on.
  const again = fakeLink('a', 'life-1');
  assert.equal(memory.start(again, 5), 'repeat');
  assert.equal(sent.length, 1);
  assert.equal(sent[0]?.[0], again);
  // A new life of the same caller is another caller: its id 1 runs.
  assert.equal(memory.start(fakeLink('a', 'life-2'), 1), 'run');
  // A running call's repeat waits for it; its answer goes where the repeat came from.
  assert.equal(memory.start(a, 6), 'run');
  const third = fakeLink('a', 'life-1');
  assert.equal(memory.start(third, 6), 'repeat');
  assert.equal(memory.finish(a, 6, reply(6)), third);
  // After the window, every answer is forgotten (callers resend only within half of it).
  now += 1_001;
  assert.equal(memory.start(a, 7), 'run');
  assert.equal(memory.size, 0);
  // Bytes bound: one large answer pushes out the older ones.
  const small = new CallMemory({
    windowMs: 1_000,
    maxEntries: 100,
    maxBytes: 100,
    now: () => now,
    send: () => undefined,
  });
  for (let id = 1; id <= 3; id++) {
    small.start(a, id);
    small.finish(a, id, { kind: 'fail', body: 'x'.repeat(40) });
  }
  assert.equal(small.size, 2);
});

test("the call memory keeps each caller's newest answers: one caller's flood does not push out another's", () => {
  const memory = new CallMemory({
    windowMs: 60_000,
    maxEntries: 1_000,
    maxBytes: 1_000_000,
    perCaller: 4,
    now: () => 0,
    send: () => undefined,
  });
  const quiet = fakeLink('quiet', 'life-1');
  const busy = fakeLink('busy', 'life-1');
  const answer: RememberedAnswer = { kind: 'fail', body: 'x' };
  for (let id = 1; id <= 3; id++) {
    memory.start(quiet, id);
    memory.finish(quiet, id, answer);
  }
  for (let id = 1; id <= 500; id++) {
    memory.start(busy, id);
    memory.finish(busy, id, answer);
  }
  assert.equal(memory.size, 3 + 4, "the quiet caller's 3 and the busy one's newest 4");
  for (let id = 1; id <= 3; id++) assert.equal(memory.start(quiet, id), 'repeat');
  assert.equal(memory.start(busy, 500), 'repeat');
  assert.equal(memory.start(busy, 496), 'forgotten', 'older than its newest 4: refused, not run');
});
