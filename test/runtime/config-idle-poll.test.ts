/**
 * `idlePoll` in the node config (the original AES's `popper_freq`): its default, defaults and
 * overrides merged field by field, errors naming the field (a pair checked once merged), and the
 * outbound endpoint a module builds from `context.outbound()` polling an empty FIFO with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConfigError, createLogger, parseConfig } from '../../runtime/node/index.js';
import { endpointSettings, type EndpointSettings } from '../../runtime/config/config.js';
import { endpointContext } from '../../runtime/node/endpoint-module.js';
import { OutboundEndpoint, type FifoRecord } from '../../runtime/index.js';
import type { Clock } from '../../runtime/clock.js';
import { memoryTransport, tempDir, waitFor } from './support/helpers.js';

const parse = (input: unknown) =>
  parseConfig({ node: 'a', ...(input as object) }, { file: 'aes.config.json', baseDir: '/p' });

function issuesOf(endpoints: unknown): string[] {
  try {
    parse({ endpoints });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => `${i.pointer}: ${i.message}`);
  }
  assert.fail('accepted');
}

test('idlePoll: 100 ms doubling to 2 s unless set; an override merges over the defaults', () => {
  assert.deepEqual(parse({}).endpoints.defaults.idlePoll, { initialMs: 100, maxMs: 2_000 });
  const config = parse({
    endpoints: {
      defaults: { idlePoll: { initialMs: 1_000, maxMs: 5_000 } },
      overrides: { 'orders-out': { idlePoll: { maxMs: 60_000 } }, 'other-out': { batchSize: 5 } },
    },
  });
  assert.deepEqual(endpointSettings(config, 'orders-out').idlePoll, {
    initialMs: 1_000,
    maxMs: 60_000,
  });
  assert.deepEqual(endpointSettings(config, 'other-out').idlePoll, {
    initialMs: 1_000,
    maxMs: 5_000,
  });
});

test('idlePoll: errors name the field, a pair is checked once merged', () => {
  assert.deepEqual(issuesOf({ defaults: { idlePoll: { initialMs: 0, every: 5 } } }), [
    '/endpoints/defaults/idlePoll/every: is not a known field (known: initialMs, maxMs)',
    '/endpoints/defaults/idlePoll/initialMs: must be >= 1',
  ]);
  assert.deepEqual(issuesOf({ overrides: { 'orders-out': { idlePoll: 500 } } }), [
    '/endpoints/overrides/orders-out/idlePoll: must be object',
  ]);
  assert.deepEqual(issuesOf({ defaults: { idlePoll: { initialMs: 5_000, maxMs: 1_000 } } }), [
    '/endpoints/defaults/idlePoll/maxMs: must be >= initialMs (5000), got 1000',
  ]);
  // One bound given, the other from the built-in default or from endpoints.defaults.
  assert.deepEqual(issuesOf({ defaults: { idlePoll: { initialMs: 5_000 } } }), [
    '/endpoints/defaults/idlePoll/initialMs: must be <= maxMs (2000, the default), got 5000: set maxMs as well',
  ]);
  assert.deepEqual(
    issuesOf({
      defaults: { idlePoll: { initialMs: 1_000, maxMs: 5_000 } },
      overrides: { 'orders-out': { idlePoll: { maxMs: 500 } } },
    }),
    [
      '/endpoints/overrides/orders-out/idlePoll/maxMs: must be >= initialMs (1000, from /endpoints/defaults/idlePoll/initialMs), got 500',
    ],
  );
  // restartBackoff gets the same check: a lone initialMs above the 60 s default ceiling.
  assert.deepEqual(issuesOf({ overrides: { x: { restartBackoff: { initialMs: 90_000 } } } }), [
    '/endpoints/overrides/x/restartBackoff/initialMs: must be <= maxMs (60000, the default), got 90000: set maxMs as well',
  ]);
});

/** Call deadlines, heartbeats and the stop deadline here: real waits, never reached. */
const LONG_MS = 600_000;

/** Records every wait asked for; the short ones (the idle polls here) pass in 1 ms. */
class RecordingClock implements Clock {
  readonly waits: number[] = [];
  now(): number {
    return Date.now();
  }
  setTimeout(callback: () => void, ms: number): NodeJS.Timeout {
    this.waits.push(ms);
    return setTimeout(callback, ms >= LONG_MS ? ms : 1);
  }
  clearTimeout(handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
}

class EmptyFifo extends OutboundEndpoint {
  pops = 0;
  protected pop(): Promise<FifoRecord | undefined> {
    this.pops += 1;
    return Promise.resolve(undefined);
  }
  protected popped(): Promise<void> {
    return Promise.resolve();
  }
}

test('an outbound endpoint built from context.outbound() polls an empty FIFO at idlePoll', async () => {
  await using dir = await tempDir();
  const transport = await memoryTransport();
  const config = parse({
    endpoints: {
      defaults: { callTimeoutMs: LONG_MS, heartbeatIntervalMs: LONG_MS },
      overrides: { 'orders-out': { idlePoll: { initialMs: 300, maxMs: 1_000 } } },
    },
  });
  const settings: EndpointSettings = endpointSettings(config, 'orders-out');
  const context = endpointContext({
    name: 'orders-out',
    node: 'a',
    transport,
    dataDir: join(dir.path, 'orders-out'),
    settings,
    log: createLogger({ level: 'error' }),
  });
  const options = context.outbound('/queue/orders');
  assert.deepEqual(options.idlePoll, { initialMs: 300, maxMs: 1_000 });
  const clock = new RecordingClock();
  // random 0.5: the jitter moves no wait, so each is exactly the backoff's.
  const endpoint = new EmptyFifo({ ...options, clock, random: () => 0.5 });
  await endpoint.start();
  try {
    await waitFor('five polls', () => endpoint.pops >= 5);
  } finally {
    await endpoint.stop({ timeoutMs: LONG_MS });
    await transport.close();
  }
  const idle = clock.waits.filter((ms) => ms < LONG_MS);
  assert.deepEqual(idle.slice(0, 4), [300, 600, 1_000, 1_000]);
});
