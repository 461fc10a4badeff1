/** The node's small parts: the structured logger, the endpoints folder, config errors of `aes run`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ConfigError, createLogger } from '../../runtime/node/index.js';
import { findEndpoints } from '../../runtime/node/endpoint-folder.js';
import { runAes } from '../e2e/support/project.js';
import { tempDir } from './support/helpers.js';

function sink(isTTY: boolean): { stream: Writable & { isTTY: boolean }; lines: string[] } {
  const lines: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    }),
    { isTTY },
  );
  return { stream, lines };
}

test('logs are JSON lines off a TTY and readable lines on one, tagged with the endpoint', () => {
  const json = sink(false);
  const log = createLogger({ stream: json.stream, bindings: { node: 'a' } });
  log.child({ endpoint: 'orders-out' }).warn('pop failed', { attempt: 2 });
  log.debug('dropped below info');
  assert.equal(json.lines.length, 1);
  const record = JSON.parse(json.lines[0] ?? '') as Record<string, unknown>;
  assert.deepEqual(
    { ...record, time: typeof record.time },
    {
      time: 'string',
      level: 'warn',
      node: 'a',
      endpoint: 'orders-out',
      msg: 'pop failed',
      attempt: 2,
    },
  );
  const tty = sink(true);
  createLogger({ stream: tty.stream, bindings: { node: 'a', endpoint: 'orders-in' } }).info(
    'put ok',
    { id: 'x:1' },
  );
  assert.match(tty.lines[0] ?? '', /^\d\d:\d\d:\d\d\.\d{3} INFO  \[orders-in\] put ok id=x:1$/);
});

test('the endpoints folder: one folder per endpoint with an entry module', async () => {
  await using dir = await tempDir();
  const folder = join(dir.path, 'endpoints');
  assert.deepEqual(await findEndpoints(folder, 'aes.config.json'), [], 'no folder: no endpoints');
  await mkdir(join(folder, 'orders-out'), { recursive: true });
  await writeFile(join(folder, 'orders-out', 'index.ts'), 'export default () => undefined;\n');
  await mkdir(join(folder, 'orders-in'));
  await writeFile(join(folder, 'orders-in', 'index.mjs'), 'export default () => undefined;\n');
  await mkdir(join(folder, '_shared'));
  assert.deepEqual(
    (await findEndpoints(folder, 'aes.config.json')).map((e) => [e.name, e.module]),
    [
      ['orders-in', join(folder, 'orders-in', 'index.mjs')],
      ['orders-out', join(folder, 'orders-out', 'index.ts')],
    ],
  );
  await mkdir(join(folder, 'empty'));
  await assert.rejects(
    findEndpoints(folder, 'aes.config.json'),
    (err: Error) =>
      err instanceof ConfigError && /endpoints[/\\]empty has no entry module/.test(err.message),
  );
});

test('aes run refuses a bad config, naming the field', async () => {
  await using dir = await tempDir();
  const file = join(dir.path, 'aes.config.json');
  await writeFile(file, JSON.stringify({ node: 'a', cluster: { port: 'x' }, http: { prot: 1 } }));
  const result = runAes(['run', file], dir.path);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /\/cluster\/port: must be integer/);
  assert.match(result.stderr, /\/http\/prot: is not a known field/);
});

test('aes status without a running node says so', async () => {
  await using dir = await tempDir();
  const file = join(dir.path, 'aes.config.json');
  await writeFile(file, JSON.stringify({ node: 'a' }));
  const never = runAes(['status', '-c', file], dir.path);
  assert.equal(never.status, 1);
  assert.match(never.stderr, /\/cluster\/secret: no secret set and .*node\.secret cannot be read/);
  await writeFile(
    file,
    JSON.stringify({ node: 'a', cluster: { port: 1, secret: 'a-secret-of-16-chars-or-more' } }),
  );
  const down = runAes(['endpoint', 'restart', 'orders-in', '-c', file], dir.path);
  assert.equal(down.status, 1);
  assert.match(down.stderr, /aes: error/);
  assert.match(down.stderr, /127\.0\.0\.1:1/);
});
