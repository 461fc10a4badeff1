/** The connection keeper over a fake host: URL rotation, auth stops, reconnect, close. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConnectionKeeper,
  type KeeperSettings,
  type KeptEndpoint,
  type KeptSession,
} from '../../transports/support/connection-keeper.js';
import { Listeners } from '../../transports/support/listeners.js';
import {
  TransportAuthError,
  TransportConnectError,
  type TransportState,
} from '../../transports/index.js';

const SETTINGS: KeeperSettings = {
  protocol: 'FAKE',
  scheme: 'fake',
  connectDeadlineMs: 2000,
  reconnectInitialMs: 1,
  reconnectMaxMs: 5,
};

class FakeSession implements KeptSession {
  alive = true;
  closed = 0;
  constructor(readonly endpoint: KeptEndpoint) {}
  close(): Promise<void> {
    this.closed += 1;
    this.alive = false;
    return Promise.resolve();
  }
}

function keeper(outcomes: ('ok' | 'refused' | 'auth')[], endpoints = ['a', 'b']) {
  const tried: string[] = [];
  const opened: FakeSession[] = [];
  const lost: FakeSession[] = [];
  const listeners = new Listeners();
  const states: TransportState[] = [];
  listeners.add({ stateChange: (change) => states.push(change.to) });
  const k = new ConnectionKeeper<KeptEndpoint, FakeSession>(
    SETTINGS,
    endpoints.map((label) => ({ label })),
    listeners,
    {
      open: (endpoint) => {
        tried.push(endpoint.label);
        const outcome = outcomes.shift() ?? 'ok';
        if (outcome === 'refused') {
          return Promise.reject(new TransportConnectError(`${endpoint.label}: refused`));
        }
        if (outcome === 'auth') {
          return Promise.reject(new TransportAuthError(endpoint.label, 'bad password'));
        }
        return Promise.resolve(new FakeSession(endpoint));
      },
      opened: (session) => opened.push(session),
      lost: (session) => lost.push(session),
    },
  );
  return { k, tried, opened, lost, states };
}

test('the first connect goes round the URLs until one accepts', async () => {
  const { k, tried, opened, states } = keeper(['refused', 'refused', 'refused', 'ok']);
  await k.connect({});
  assert.deepEqual(tried, ['a', 'b', 'a', 'b']);
  assert.equal(opened.length, 1);
  assert.equal(k.session?.endpoint.label, 'b');
  assert.deepEqual(states, ['connecting', 'connected']);
});

test('wrong credentials end the first connect at once, back to idle', async () => {
  const { k, tried, states } = keeper(['auth']);
  await assert.rejects(k.connect({}), TransportAuthError);
  assert.deepEqual(tried, ['a']);
  assert.deepEqual(states, ['connecting', 'idle']);
  assert.throws(() => k.checkUsable('publish'), /call connect\(\) first/);
});

test('at the deadline the error names why each URL failed', async () => {
  const { k } = keeper(Array.from({ length: 1000 }, () => 'refused' as const));
  await assert.rejects(k.connect({ timeoutMs: 100 }), (err: unknown) => {
    return (
      err instanceof TransportConnectError &&
      /no FAKE broker reachable within the deadline: .*refused; .*refused/.test(err.message)
    );
  });
});

test('a lost session is replaced by the next URL; waiters get the new one; close is idempotent', async () => {
  const { k, tried, opened, lost, states } = keeper(['ok', 'refused', 'ok']);
  await k.connect({});
  const first = k.session as FakeSession;
  first.alive = false;
  k.sessionLost(first, new Error('socket closed'));
  k.sessionLost(first, new Error('reported twice')); // ignored
  assert.equal(k.session, undefined);
  const waiting = k.waitForSession('publish', new AbortController().signal);
  const second = await waiting;
  assert.notEqual(second, first);
  assert.deepEqual(tried, ['a', 'b', 'a']);
  assert.deepEqual(lost, [first]);
  assert.equal(opened.length, 2);
  assert.deepEqual(states, ['connecting', 'connected', 'reconnecting', 'connected']);
  const closing = [k.close(() => {}), k.close(() => {})];
  assert.equal(closing[0], closing[1]);
  await closing[0];
  assert.equal(second.closed, 1);
  assert.equal(k.state, 'closed');
  await assert.rejects(k.connect({}), /closed/);
});

test('a connect() that rejects at its deadline leaves the keeper idle, and a second one can start', async () => {
  const listeners = new Listeners();
  const states: TransportState[] = [];
  listeners.add({ stateChange: (change) => states.push(change.to) });
  let opens = 0;
  const k = new ConnectionKeeper<KeptEndpoint, FakeSession>(SETTINGS, [{ label: 'a' }], listeners, {
    // A broker that never answers; the socket gives up a moment after the abort, as real ones do.
    open: (_endpoint, signal) => {
      opens += 1;
      return new Promise((_resolve, reject) => {
        signal.addEventListener(
          'abort',
          () => setTimeout(() => reject(new TransportConnectError('a: aborted')), 30),
          { once: true },
        );
      });
    },
    opened: () => undefined,
    lost: () => undefined,
  });
  await assert.rejects(k.connect({ timeoutMs: 50 }), /timed out|within the deadline/);
  assert.equal(k.state, 'idle');
  assert.deepEqual(states, ['connecting', 'idle']);
  await assert.rejects(k.connect({ timeoutMs: 50 }), /timed out|within the deadline/);
  assert.equal(k.state, 'idle');
  assert.equal(opens, 2);
});
