/** The node config: schema validation with exact field pointers, defaults, files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigError,
  ConfigReadError,
  describeConfig,
  loadConfig,
  parseConfig,
} from '../../runtime/node/index.js';
import { DEFAULT_HANG_LIMIT_MS } from '../../runtime/config/defaults.js';
import { DEFAULT_MAX_DELIVERIES } from '../../runtime/endpoint/inbound-endpoint.js';
import { deadLetterOf, endpointSettings } from '../../runtime/config/config.js';
import { tempDir } from './support/helpers.js';

function issuesOf(input: unknown): string[] {
  try {
    parseConfig(input, { file: 'project/aes.config.json', baseDir: '/srv/project' });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.file, 'project/aes.config.json');
    assert.match(err.message, /^project\/aes\.config\.json: invalid config/);
    return err.issues.map((i) => `${i.pointer}: ${i.message}`);
  }
  assert.fail('expected a ConfigError');
}

test('a minimal config gets every default, paths resolved against the file', () => {
  const config = parseConfig({ node: 'a' }, { file: 'x.json', baseDir: '/srv/p' });
  assert.equal(config.node, 'a');
  assert.equal(config.dataDir, '/srv/p/data');
  assert.deepEqual(config.cluster, {
    host: '127.0.0.1',
    port: 7420,
    seeds: [],
    advertise: undefined,
    secret: undefined,
    secretFile: undefined,
    tls: undefined,
  });
  assert.deepEqual(config.broker, {
    kind: 'embedded',
    host: '127.0.0.1',
    port: 61614,
    dataDir: '/srv/p/data/broker',
    usersFile: undefined,
    heapHeadroomMb: undefined,
    memoryBudgetMb: undefined,
    tls: undefined,
  });
  assert.deepEqual(config.http, { host: '127.0.0.1', port: 9464, advertise: undefined });
  assert.equal(config.endpoints.folder, '/srv/p/endpoints');
  assert.equal(config.endpoints.defaults.hangLimitMs, DEFAULT_HANG_LIMIT_MS);
  assert.equal(config.endpoints.defaults.maxDeliveries, DEFAULT_MAX_DELIVERIES);
});

test('a full config: external broker, seeds, per-endpoint overrides over defaults', () => {
  const config = parseConfig(
    {
      $schema: './node_modules/aes-endpoint-server/schema/aes.config.schema.json',
      node: 'node-b',
      dataDir: '/var/lib/aes',
      cluster: {
        host: '0.0.0.0',
        port: 7500,
        seeds: ['10.0.0.1:7420', '[::1]:7421'],
        secretFile: 'secret.txt',
      },
      broker: { urls: ['stomp://aes:pw@mq1:61613', 'stomp://aes:pw@mq2:61613'] },
      http: { port: 9100 },
      endpoints: {
        folder: 'eps',
        defaults: { hangLimitMs: 10_000, restartBackoff: { maxMs: 20_000 } },
        overrides: {
          'orders-in': { maxDeliveries: 9, deadLetter: '/queue/orders.dead', prefetch: 4 },
          'orders-out': { batchSize: 50, quarantine: { restarts: 3 } },
        },
      },
    },
    { file: 'aes.config.json', baseDir: '/etc/aes' },
  );
  assert.deepEqual(config.cluster.seeds, [
    { host: '10.0.0.1', port: 7420 },
    { host: '::1', port: 7421 },
  ]);
  assert.equal(config.cluster.secretFile, '/etc/aes/secret.txt');
  assert.deepEqual(config.broker, {
    kind: 'external',
    urls: ['stomp://aes:pw@mq1:61613', 'stomp://aes:pw@mq2:61613'],
  });
  const inbound = endpointSettings(config, 'orders-in');
  assert.equal(inbound.maxDeliveries, 9);
  assert.equal(inbound.prefetch, 4);
  assert.equal(inbound.hangLimitMs, 10_000, 'from the node defaults');
  assert.equal(deadLetterOf(config, 'orders-in'), '/queue/orders.dead');
  const outbound = endpointSettings(config, 'orders-out');
  assert.equal(outbound.batchSize, 50);
  assert.deepEqual(outbound.quarantine, { restarts: 3, windowMs: 300_000 });
  assert.deepEqual(outbound.restartBackoff, { initialMs: 1_000, maxMs: 20_000 });
  assert.equal(deadLetterOf(config, 'other'), '/queue/dead-letter.other');
  assert.equal(endpointSettings(config, 'toString').batchSize, 1, 'no prototype lookups');
  // `aes config check` prints IPv6 addresses as they are written, in brackets.
  assert.match(
    describeConfig(config),
    /^ {2}cluster {4}0\.0\.0\.0:7500, seeds 10\.0\.0\.1:7420, \[::1\]:7421, secret set$/m,
  );
});

test('cluster.advertise: host or host:port, the port defaulting to cluster.port; errors name the entry', () => {
  const config = parseConfig(
    {
      node: 'a',
      cluster: {
        host: '0.0.0.0',
        port: 7500,
        advertise: ['10.0.0.6', 'node-a.example:17500', '[fd00::6]', '[fd00::7]:7000'],
      },
    },
    { file: 'x.json', baseDir: '/srv/p' },
  );
  assert.deepEqual(config.cluster.advertise, [
    { host: '10.0.0.6', port: 7500 },
    { host: 'node-a.example', port: 17500 },
    { host: 'fd00::6', port: 7500 },
    { host: 'fd00::7', port: 7000 },
  ]);
  assert.deepEqual(issuesOf({ node: 'a', cluster: { advertise: ['h:99999', '0.0.0.0', 'a b'] } }), [
    '/cluster/advertise/2: must be host or host:port (IPv6 as [addr] or [addr]:port), got "a b"',
  ]);
  assert.deepEqual(issuesOf({ node: 'a', cluster: { advertise: ['h:99999', '0.0.0.0'] } }), [
    '/cluster/advertise/0: port must be 1..65535, got 99999',
    '/cluster/advertise/1: 0.0.0.0 is a wildcard, not an address other nodes can dial',
  ]);
  assert.deepEqual(issuesOf({ node: 'a', cluster: { advertise: [] } }), [
    '/cluster/advertise: must NOT have fewer than 1 items',
  ]);
});

test('errors name the exact field by JSON pointer, all of them at once', () => {
  assert.deepEqual(issuesOf({}), ['/node: is required']);
  assert.deepEqual(issuesOf({ node: 'a', cluster: { port: 70000, prot: 1 } }), [
    '/cluster/prot: is not a known field (known: host, port, seeds, advertise, secret, secretFile, tls)',
    '/cluster/port: must be <= 65535',
  ]);
  assert.deepEqual(issuesOf({ node: 'a b' }), [
    `/node: must be a node name of letters, digits, '_', '.', '-' (at most 63, starting with a letter or digit), got "a b"`,
  ]);
  assert.deepEqual(issuesOf({ node: 'a', cluster: { seeds: ['nohost'] } }), [
    '/cluster/seeds/0: must be host:port (IPv6 as [addr]:port), got "nohost"',
  ]);
  assert.deepEqual(issuesOf({ node: 'a', cluster: { secret: 'x'.repeat(16), secretFile: 's' } }), [
    '/cluster: give either secret or secretFile, not both',
  ]);
  assert.deepEqual(issuesOf({ node: 'a', broker: { urls: ['http://x'] } }), [
    '/broker/urls/0: must be a broker URL stomp://, stomp+ssl://, mqtt:// or mqtts:// (user:password@host:port), got "http://x"',
  ]);
  assert.deepEqual(
    issuesOf({ node: 'a', endpoints: { overrides: { 'orders-in': { maxDeliveries: 0 } } } }),
    ['/endpoints/overrides/orders-in/maxDeliveries: must be >= 1'],
  );
  assert.deepEqual(issuesOf({ node: 'a', endpoints: { defaults: { hangLimitMs: '30s' } } }), [
    '/endpoints/defaults/hangLimitMs: must be integer',
  ]);
  assert.deepEqual(issuesOf({ node: 'a', cluster: { seeds: ['h:99999'] } }), [
    '/cluster/seeds/0: port must be 1..65535, got 99999',
    '/cluster/secret: a cluster with seeds needs a shared secret: set secret or secretFile',
  ]);
  const [deadLetter, backoff, ...more] = issuesOf({
    node: 'a',
    endpoints: {
      defaults: { deadLetter: '/queue/..', restartBackoff: { initialMs: 5, maxMs: 1 } },
    },
  });
  assert.match(
    deadLetter ?? '',
    /^\/endpoints\/defaults\/deadLetter: bad destination '\/queue\/\.\.'/,
  );
  assert.equal(
    backoff,
    '/endpoints/defaults/restartBackoff/maxMs: must be >= initialMs (5), got 1',
  );
  assert.deepEqual(more, []);
  assert.deepEqual(issuesOf([]), [': must be object']);
  assert.deepEqual(issuesOf({ node: 'a', endpoints: { overrides: { 'bad name': {} } } }), [
    `/endpoints/overrides/bad name: must be an endpoint name of letters, digits, '_', '.', '-', got "bad name"`,
  ]);
  assert.deepEqual(issuesOf({ node: 'a', broker: { urls: ['stomp://h'], embedded: {} } }), [
    '/broker: give either urls (an external broker) or embedded, not both',
  ]);
});

test('loadConfig reads the file and its secret file; unreadable files say so', async () => {
  await using dir = await tempDir();
  const file = join(dir.path, 'aes.config.json');
  await writeFile(join(dir.path, 'secret'), 'correct horse battery staple\n');
  await writeFile(
    file,
    JSON.stringify({ node: 'n1', cluster: { seeds: ['h:1'], secretFile: 'secret' } }),
  );
  const config = await loadConfig(file);
  assert.equal(config.cluster.secret, 'correct horse battery staple');
  assert.equal(config.file, file);

  await writeFile(join(dir.path, 'secret'), 'short');
  await assert.rejects(loadConfig(file), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.issues[0]?.pointer, '/cluster/secretFile');
    return true;
  });
  await writeFile(file, '{"node": "n1",}');
  await assert.rejects(loadConfig(file), (err: unknown) => {
    assert.ok(err instanceof ConfigReadError);
    assert.match(err.message, /aes\.config\.json: not valid JSON/);
    return true;
  });
  await assert.rejects(loadConfig(join(dir.path, 'missing.json')), {
    code: 'RUNTIME_CONFIG_UNREADABLE',
  });
});

test('lineage: bounds by count and age, defaulted and checked', () => {
  const defaults = parseConfig({ node: 'a' }, { file: 'x.json', baseDir: '/srv/p' });
  assert.deepEqual(defaults.lineage, { maxEntries: 1_000_000, maxAgeMs: 7 * 24 * 60 * 60 * 1000 });
  const set = parseConfig(
    { node: 'a', lineage: { maxEntries: 5_000, maxAgeMs: 3_600_000 } },
    { file: 'x.json', baseDir: '/srv/p' },
  );
  assert.deepEqual(set.lineage, { maxEntries: 5_000, maxAgeMs: 3_600_000 });
  const issues = issuesOf({ node: 'a', lineage: { maxEntries: 0, maxAgeMs: 'a day', keep: 1 } });
  assert.ok(
    issues.some((i) => i.startsWith('/lineage/maxEntries')),
    issues.join('\n'),
  );
  assert.ok(
    issues.some((i) => i.startsWith('/lineage/maxAgeMs')),
    issues.join('\n'),
  );
  assert.ok(
    issues.some((i) => i.startsWith('/lineage/keep')),
    issues.join('\n'),
  );
});
