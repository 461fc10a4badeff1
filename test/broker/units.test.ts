/** Small parts alone: heart-beat negotiation and timing (fake clock), options parsing. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StompHeartbeat, negotiateHeartbeat } from '../../broker/heartbeat.js';
import { BrokerOptionsError, BrokerStoreError, startBroker } from '../../broker/index.js';
import { DEFAULT_BROKER_PORT } from '../../broker/defaults.js';
import { parseBrokerOptions } from '../../broker/options.js';
import { testBroker } from './support.js';

describe('heart-beat negotiation', () => {
  test('takes the larger of what each side can do and wants; 0 switches a direction off', () => {
    assert.deepEqual(negotiateHeartbeat('1000,2000', 500, 3000), { sendMs: 2000, receiveMs: 3000 });
    assert.deepEqual(negotiateHeartbeat('0,2000', 500, 3000), { sendMs: 2000, receiveMs: 0 });
    assert.deepEqual(negotiateHeartbeat('1000,0', 500, 3000), { sendMs: 0, receiveMs: 3000 });
    assert.deepEqual(negotiateHeartbeat('1000,1000', 0, 0), { sendMs: 0, receiveMs: 0 });
    assert.deepEqual(negotiateHeartbeat(undefined, 500, 500), { sendMs: 0, receiveMs: 0 });
    assert.throws(() => negotiateHeartbeat('often', 500, 500), /malformed heart-beat/);
  });

  test('sends when quiet, and times out a silent peer after the grace period', () => {
    let now = 0;
    let sent = 0;
    let timedOut: number | undefined;
    let paused = false;
    const hb = new StompHeartbeat(
      {
        sendHeartbeat: () => (sent += 1),
        timedOut: (ms) => (timedOut = ms),
        isReadPaused: () => paused,
      },
      { sendMs: 100, receiveMs: 100 },
      () => now,
    );
    now = 40;
    hb.checkSend();
    assert.equal(sent, 0);
    now = 60;
    hb.checkSend();
    assert.equal(sent, 1);
    hb.noteWrite();
    now = 100;
    hb.checkSend();
    assert.equal(sent, 1);
    hb.noteRead();
    now = 250;
    hb.checkReceive();
    assert.equal(timedOut, undefined);
    // While the broker is not reading (back-pressure), silence does not count.
    paused = true;
    now = 400;
    hb.checkReceive();
    assert.equal(timedOut, undefined);
    paused = false;
    now = 550;
    hb.checkReceive();
    assert.equal(timedOut, undefined);
    now = 601;
    hb.checkReceive();
    assert.equal(timedOut, 201);
    hb.stop();
  });
});

describe('parseBrokerOptions', () => {
  test('fills defaults', () => {
    const o = parseBrokerOptions({ dataDir: '/tmp/x' });
    assert.equal(o.port, DEFAULT_BROKER_PORT);
    assert.equal(o.host, '127.0.0.1');
    assert.equal(o.users, undefined);
    assert.equal(o.heapHeadroomMb, 128);
    assert.equal(o.memoryBudgetMb, 64);
  });

  for (const [input, field] of [
    [{}, 'dataDir'],
    [{ dataDir: '/x', port: 70000 }, 'port'],
    [{ dataDir: '/x', maxPendingBytes: 10 }, 'maxPendingBytes'],
    [{ dataDir: '/x', maxDeliveries: 0 }, 'maxDeliveries'],
    [{ dataDir: '/x', heapHeadroomMb: -1 }, 'heapHeadroomMb'],
    [{ dataDir: '/x', heapHeadroomMb: 1.5 }, 'heapHeadroomMb'],
    [{ dataDir: '/x', memoryBudgetMb: 0 }, 'memoryBudgetMb'],
    [{ dataDir: '/x', memoryBudgetMb: '64' }, 'memoryBudgetMb'],
    [{ dataDir: '/x', users: { a: 1 } }, 'users.a'],
    [{ dataDir: '/x', colour: 'blue' }, 'colour'],
  ] as const) {
    test(`names the wrong field: ${field}`, () => {
      assert.throws(
        () => parseBrokerOptions(input),
        (err: unknown) =>
          err instanceof BrokerOptionsError &&
          err.code === 'BROKER_OPTIONS' &&
          err.message.includes(`'${field}'`),
      );
    });
  }
});

describe('data directory', () => {
  test('a second broker on the same directory is refused while the first runs', async () => {
    const first = await testBroker();
    try {
      await assert.rejects(
        startBroker({ dataDir: first.dataDir, port: 0 }),
        (err: unknown) =>
          err instanceof BrokerStoreError &&
          err.code === 'BROKER_STORE' &&
          err.cause instanceof Error &&
          /already open/.test(err.cause.message),
      );
    } finally {
      await first.close();
    }
    const again = await startBroker({ dataDir: first.dataDir, port: 0 });
    await again.close();
    await first.stop();
  });
});
