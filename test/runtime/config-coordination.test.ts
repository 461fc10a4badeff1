/**
 * `coordination` in the node config: parsed with its default lease time, an unknown scheme named
 * at its field, and an engine that cannot be reached at start a `ConfigError` naming
 * `/coordination/url` (password removed) before anything else starts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AesNode, ConfigError, parseConfig } from '../../runtime/node/index.js';
import { freePort } from '../support/ports.js';
import { tempDir } from './support/helpers.js';

const parse = (input: unknown) => parseConfig(input, { file: 'aes.config.json', baseDir: '/p' });

test('coordination: absent is static placement; leaseMs defaults to 10 s, warm standbys on', () => {
  assert.equal(parse({ node: 'a' }).coordination, undefined);
  assert.deepEqual(parse({ node: 'a', coordination: { url: 'etcd://h:2379' } }).coordination, {
    url: 'etcd://h:2379',
    leaseMs: 10_000,
    shared: [],
    warmStandby: true,
  });
  const pg = parse({
    node: 'a',
    coordination: { url: 'postgres://u:p@h/db', leaseMs: 3000, warmStandby: false },
  });
  assert.equal(pg.coordination?.leaseMs, 3000);
  assert.equal(pg.coordination?.warmStandby, false);
  assert.throws(
    () => parse({ node: 'a', coordination: { url: 'etcd://h:2379', warmStandby: 'yes' } }),
    /\/coordination\/warmStandby/,
  );
});

test('coordination: an unknown scheme, a non-URL or a tiny lease names the field', () => {
  const issues = (input: unknown) => {
    try {
      parse({ node: 'a', coordination: input });
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.issues.map((i) => `${i.pointer}: ${i.message}`);
    }
    assert.fail('accepted');
  };
  assert.deepEqual(issues({ url: 'zookeeper://h:2181' }), [
    "/coordination/url: unknown scheme 'zookeeper' (known: etcd, postgres, postgresql)",
  ]);
  assert.match(issues({ url: 'h:2379' })[0] ?? '', /^\/coordination\/url: must be a URL/);
  assert.match(issues({ url: 'etcd://h', leaseMs: 500 })[0] ?? '', /^\/coordination\/leaseMs: /);
  assert.match(
    issues({ url: 'etcd://h', shared: ['orders-in', 'bad name'] })[0] ?? '',
    /^\/coordination\/shared\/1: /,
  );
  assert.match(
    issues({ url: 'etcd://h', shared: ['orders-in', 'orders-in'] })[0] ?? '',
    /^\/coordination\/shared: /,
  );
  assert.deepEqual(
    parse({ node: 'a', coordination: { url: 'etcd://h', shared: ['in'] } }).coordination?.shared,
    ['in'],
  );
  assert.match(issues({})[0] ?? '', /^\/coordination\/url: is required/);
});

test('coordination: an unreachable engine at start is an error naming coordination.url', async () => {
  await using dir = await tempDir();
  await mkdir(join(dir.path, 'endpoints'));
  const port = await freePort();
  const config = parseConfig(
    {
      node: 'a',
      cluster: { port: 0 },
      http: { port: 0 },
      broker: { embedded: { port: 0 } },
      coordination: { url: `postgres://aes:secret@127.0.0.1:${port}/x` },
    },
    { file: join(dir.path, 'aes.config.json'), baseDir: dir.path },
  );
  const started = Date.now();
  const infos: string[] = [];
  await assert.rejects(AesNode.start(config, { logger: silent(infos) }), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(
      err.message,
      /\/coordination\/url: cannot use postgres:\/\/aes:\*\*\*@127\.0\.0\.1/,
    );
    assert.doesNotMatch(err.message, /secret/);
    return true;
  });
  assert.ok(Date.now() - started < 15_000);
  assert.equal(infos.at(-1), 'node start failed: stopped', 'not a plain "node stopped"');
});

/** A logger that keeps its info messages in `infos`, when given. */
function silent(infos: string[] = []) {
  const log = {
    debug: () => undefined,
    info: (msg: string) => void infos.push(msg),
    warn: () => undefined,
    error: () => undefined,
    child: () => log,
  };
  return log as never;
}
