/** Endpoint options and life-cycle misuse: typed errors that name the option or the state. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { OptionError, OutboundEndpoint, StateError } from '../../runtime/index.js';
import {
  SoapInbound,
  SoapOutbound,
  type SourceClient,
  type TargetClient,
} from './support/soap-endpoints.js';
import { memoryTransport, tempDir } from './support/helpers.js';

// Never called: these tests stop before any web-service call.
const noSource = {} as SourceClient;
const noTarget = {} as TargetClient;

test('bad options are refused with the option named', async () => {
  await using transport = await memoryTransport();
  const base = { transport, dataDir: '/nonexistent', destination: '/queue/q' } as const;
  const cases: [Record<string, unknown>, string][] = [
    [{ name: 'has space' }, 'name'],
    [{ name: 'a:b' }, 'name'],
    [{ name: 'ok', batchSize: 0 }, 'batchSize'],
    [{ name: 'ok', batchSize: 1.5 }, 'batchSize'],
    [{ name: 'ok', callTimeoutMs: -1 }, 'callTimeoutMs'],
    [{ name: 'ok', retry: { initialMs: 10, maxMs: 1 } }, 'retry.maxMs'],
    [{ name: 'ok', idlePoll: { initialMs: -5, maxMs: 1 } }, 'idlePoll.initialMs'],
    [{ name: 'ok', publishTimeoutMs: 0 }, 'publishTimeoutMs'],
  ];
  for (const [options, option] of cases) {
    assert.throws(
      () => new SoapOutbound({ ...base, ...options } as never, noSource),
      (err: unknown) => err instanceof OptionError && err.option === option,
      JSON.stringify(options),
    );
  }
  const inbound = { transport, dataDir: '/nonexistent', source: '/queue/q', name: 'in' } as const;
  for (const [options, option] of [
    [{ prefetch: 0 }, 'prefetch'],
    [{ maxDeliveries: 0 }, 'maxDeliveries'],
    [{ nackDelay: { initialMs: 5, maxMs: 1 } }, 'nackDelay.maxMs'],
    [{ dedupMaxAgeMs: 0 }, 'dedupMaxAgeMs'],
  ] as const) {
    assert.throws(
      () => new SoapInbound({ ...inbound, ...options }, noTarget),
      (err: unknown) => err instanceof OptionError && err.option === option,
    );
  }
});

test('start twice is a StateError; stop before start and stop twice are fine', async () => {
  await using dir = await tempDir();
  await using transport = await memoryTransport();
  const endpoint = new SoapInbound(
    { transport, dataDir: join(dir.path, 'in'), source: '/queue/q', name: 'in' },
    noTarget,
  );
  const never = new SoapInbound(
    { transport, dataDir: join(dir.path, 'never'), source: '/queue/q', name: 'never' },
    noTarget,
  );
  await never.stop();
  await never.stop();
  await endpoint.start();
  await assert.rejects(endpoint.start(), StateError);
  const first = endpoint.stop();
  assert.equal(endpoint.stop(), first, 'the same promise');
  await first;
  assert.equal(endpoint.snapshot().step, 'stopped');
  await endpoint.done;
});

test('outbound batch mode without popMany is refused at start', async () => {
  await using dir = await tempDir();
  await using transport = await memoryTransport();
  class PopOnly extends OutboundEndpoint {
    protected override pop(): Promise<undefined> {
      return Promise.resolve(undefined);
    }
    protected override popped(): Promise<void> {
      return Promise.resolve();
    }
  }
  const endpoint = new PopOnly({
    name: 'out',
    transport,
    dataDir: join(dir.path, 'out'),
    destination: '/queue/q',
    batchSize: 10,
  });
  await assert.rejects(endpoint.start(), { code: 'RUNTIME_BAD_OPTION', option: 'batchSize' });
  const single = new PopOnly({
    name: 'out',
    transport,
    dataDir: join(dir.path, 'out'),
    destination: '/queue/q',
  });
  await single.start();
  await single.stop();
});
