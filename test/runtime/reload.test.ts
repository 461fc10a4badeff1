/**
 * What a config reload would change, worked out before anything is touched: endpoints to start,
 * stop and restart, those left alone, and the node settings that only a restart can change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../runtime/config/config.js';
import type { EndpointEntry } from '../../runtime/node/endpoint-folder.js';
import { planReload } from '../../runtime/node/reload.js';

const entry = (name: string, module = `/p/endpoints/${name}/index.ts`): EndpointEntry => ({
  name,
  dir: `/p/endpoints/${name}`,
  module,
});

const parse = (value: object) => parseConfig(value, { file: '/p/aes.config.json' });

test('endpoints new, gone and changed are started, stopped and restarted; the rest stay', () => {
  const current = parse({
    node: 'a',
    endpoints: {
      defaults: { hangLimitMs: 60_000 },
      overrides: { b: { batchSize: 10 }, c: { prefetch: 2 } },
    },
  });
  const next = parse({
    node: 'a',
    endpoints: {
      // The same settings written in another order are the same settings.
      defaults: { hangLimitMs: 60_000 },
      overrides: { c: { prefetch: 2 }, b: { batchSize: 20 }, e: { prefetch: 3 } },
    },
  });
  const plan = planReload(current, [entry('a'), entry('b'), entry('c'), entry('d')], {
    config: next,
    endpoints: [entry('a', '/p/endpoints/a/index.mjs'), entry('b'), entry('c'), entry('e')],
  });
  assert.deepEqual(
    plan.start.map((e) => e.name),
    ['e'],
  );
  assert.deepEqual(plan.stop, ['d']);
  assert.deepEqual(
    plan.restart.map((e) => e.name),
    ['a', 'b'],
    'a: another entry module; b: another batch size',
  );
  assert.deepEqual(plan.unchanged, ['c']);
  assert.deepEqual(plan.restartNeeded, []);
  assert.equal(plan.config.endpoints, next.endpoints);
});

test('a change of defaults restarts every endpoint it reaches, not the overridden ones', () => {
  const current = parse({ node: 'a', endpoints: { overrides: { b: { killGraceMs: 100 } } } });
  const next = parse({
    node: 'a',
    endpoints: { defaults: { killGraceMs: 200 }, overrides: { b: { killGraceMs: 100 } } },
  });
  const plan = planReload(current, [entry('a'), entry('b')], {
    config: next,
    endpoints: [entry('a'), entry('b')],
  });
  assert.deepEqual(
    plan.restart.map((e) => e.name),
    ['a'],
  );
  assert.deepEqual(plan.unchanged, ['b']);
});

test('node settings are never applied: each one that differs is named', () => {
  const current = parse({ node: 'a', cluster: { secret: 'the first secret, long' } });
  const next = parse({
    node: 'b',
    dataDir: 'elsewhere',
    cluster: { port: 7421, secret: 'another secret, as long' },
    broker: { urls: ['stomp://mq1:61613'] },
    http: { port: 9465 },
  });
  const plan = planReload(current, [], { config: next, endpoints: [] });
  assert.deepEqual(plan.restartNeeded, [
    'broker',
    'cluster.port',
    'cluster.secret',
    'dataDir',
    'http.port',
    'node',
  ]);
  // What stays in force is the running node's, endpoints aside.
  assert.equal(plan.config.node, 'a');
  assert.equal(plan.config.cluster.port, current.cluster.port);
  assert.equal(plan.config.broker, current.broker);
});
