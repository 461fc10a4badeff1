/** `aes post`, `aes call` and `aes ping` against a real node process. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';
import { NodeProcess } from './support/node-process.js';

const SECRET = 'cli-secret';
let node: NodeProcess;

before(async () => {
  node = await NodeProcess.start('cli-node', SECRET);
});
after(async () => {
  node.kill('SIGTERM');
  await node.exited;
});

const env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  AES_CLUSTER_ADDRESS: node.address,
  AES_CLUSTER_SECRET: SECRET,
});

test('aes call prints the result as JSON', () => {
  const out = runCli(['call', 'poe://cli-node/app/double', '21'], { env: env() });
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stdout, '42\n');
  // No kernel named: the node the command connects to.
  const blank = runCli(['call', 'poe:/app/double', '4'], { env: env() });
  assert.equal(blank.status, 0, blank.stderr);
  assert.equal(blank.stdout, '8\n');
});

test('aes post delivers the event (flags instead of the environment)', () => {
  const post = runCli([
    'post',
    'poe://cli-node/app/hear',
    '{"from":"cli"}',
    '--address',
    node.address,
    '--secret',
    SECRET,
  ]);
  assert.equal(post.status, 0, post.stderr);
  const read = runCli(['call', 'poe://cli-node/ctl/received'], { env: env() });
  assert.equal(read.status, 0, read.stderr);
  const received = JSON.parse(read.stdout) as { args: unknown }[];
  assert.deepEqual(
    received.map((r) => r.args),
    [{ from: 'cli' }],
  );
});

test('aes ping answers PONG', () => {
  const out = runCli(['ping'], { env: env() });
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^PONG from cli-node in [\d.]+ ms\n$/);
});

test('errors: unpublished state, wrong secret, no address, bad JSON, bad specifier', () => {
  const unpublished = runCli(['post', 'poe://cli-node/app/nothing', '1'], { env: env() });
  assert.equal(unpublished.status, 1);
  assert.match(unpublished.stderr, /\[NOT_PUBLISHED\].*app\/nothing/);
  const notCallable = runCli(['call', 'poe://cli-node/app/nothing'], { env: env() });
  assert.match(notCallable.stderr, /\[NOT_PUBLISHED\]/);
  const wrong = runCli(['call', 'poe://cli-node/app/who'], {
    env: { ...env(), AES_CLUSTER_SECRET: 'nope' },
  });
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /\[AUTH_FAILED\]/);
  const noAddress = runCli(['ping'], { env: { ...process.env, AES_CLUSTER_ADDRESS: '' } });
  assert.match(noAddress.stderr, /AES_CLUSTER_ADDRESS/);
  const badJson = runCli(['call', 'poe://cli-node/app/who', '{nope'], { env: env() });
  assert.match(badJson.stderr, /not JSON/);
  const badSpec = runCli(['call', 'cli-node/app/who'], { env: env() });
  assert.match(badSpec.stderr, /\[BAD_SPECIFIER\]/);
});
