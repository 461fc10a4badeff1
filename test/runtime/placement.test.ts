/**
 * Placement by lease against a scripted coordinator: the holder starts its endpoint, stops it
 * (with SIGKILL due a quarter of the lease later) two thirds of the lease after its last
 * renewal when renewals fail, stands by and campaigns again; a standby shows the owner; close
 * releases what it holds. The e2e failover test does the same with real engines and processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import {
  CoordinationUnavailableError,
  LeaseLostError,
  type Coordinator,
  type Lease,
  type LeaseInfo,
} from '../../coordination/index.js';
import { Placement } from '../../runtime/node/placement.js';
import { pollUntil } from '../support/wait.js';

const TTL = 600;

function fakeLease(token: bigint, renewOk: () => boolean, released: bigint[]): Lease {
  const controller = new AbortController();
  return {
    key: 'endpoint/x',
    holder: 'a',
    token,
    ttlMs: TTL,
    signal: controller.signal,
    get held() {
      return !controller.signal.aborted;
    },
    renew: () =>
      renewOk()
        ? Promise.resolve()
        : Promise.reject(new CoordinationUnavailableError('fake://', 'renew')),
    release: () => {
      if (!controller.signal.aborted) {
        controller.abort(new LeaseLostError('endpoint/x', token, 'released'));
        released.push(token);
      }
      return Promise.resolve();
    },
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
}

const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
} as never;

test('placement: a holder that cannot renew stops its endpoint in time, then campaigns again', async () => {
  let engineUp = true;
  let token = 0n;
  let other: LeaseInfo | undefined;
  const released: bigint[] = [];
  const coordinator = {
    scheme: 'fake',
    url: 'fake://',
    acquire: () => {
      if (!engineUp) return Promise.reject(new CoordinationUnavailableError('fake://', 'acquire'));
      if (other !== undefined) return Promise.resolve(undefined);
      token += 1n;
      return Promise.resolve(fakeLease(token, () => engineUp, released));
    },
    holderOf: () => Promise.resolve(other),
    // No desired state written: running.
    get: () =>
      engineUp
        ? Promise.resolve(undefined)
        : Promise.reject(new CoordinationUnavailableError('fake://', 'get')),
    close: () => Promise.resolve(),
  } as unknown as Coordinator;
  const events: { what: string; at: number; killAfterMs?: number }[] = [];
  const placement = new Placement(coordinator, TTL, 'a', silent, {
    start: () => {
      events.push({ what: 'start', at: performance.now() });
      return Promise.resolve();
    },
    stop: (_name, killAfterMs) => {
      events.push({ what: 'stop', at: performance.now(), killAfterMs });
      return Promise.resolve();
    },
  });
  placement.add('x');
  await pollUntil('started', () => events.length === 1, 5000);
  assert.equal(placement.holds('x'), true);
  assert.equal(placement.status('x')?.role, 'owner');
  await new Promise((resolve) => setTimeout(resolve, TTL)); // renewals succeed: still held
  assert.equal(events.length, 1);

  engineUp = false;
  const down = performance.now();
  await pollUntil('stopped', () => events.length === 2, 5000);
  const stop = events[1];
  assert.equal(stop?.what, 'stop');
  assert.equal(stop.killAfterMs, TTL / 4);
  // Two thirds of the lease after the last renewal sent (at most a sixth before the outage).
  assert.ok(stop.at - down <= (TTL * 2) / 3 + 50, `stopped ${stop.at - down} ms after`);
  assert.equal(placement.holds('x'), false);
  assert.match(placement.status('x')?.error ?? '', /fake:\/\/: (acquire|renew|get) failed/);
  assert.match(placement.reasons()[0] ?? '', /^coordination engine fake:\/\/ unreachable/);

  // The engine back, another node holds it: this one stands by and shows it.
  other = { key: 'endpoint/x', holder: 'b', token: 9n };
  engineUp = true;
  await pollUntil('standby', () => placement.status('x')?.owner === 'b', 5000);
  assert.deepEqual(placement.reasons(), []);
  assert.equal(placement.status('x')?.token, '9');

  // Freed: this node takes it again, and close releases it.
  other = undefined;
  await pollUntil('restarted', () => events.length === 3, 5000);
  await placement.close();
  assert.deepEqual(released.at(-1), token);
});
