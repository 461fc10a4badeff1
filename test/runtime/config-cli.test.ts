/** `aes config check` as a user runs it: a real CLI process on real files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCertificates } from '../support/certs.js';
import { runCli } from '../support/cli.js';
import { tempDir } from './support/helpers.js';

test('aes config check: a valid file is summarised; --json redacts secrets', async () => {
  await using dir = await tempDir();
  const file = join(dir.path, 'aes.config.json');
  await writeFile(
    file,
    JSON.stringify({
      node: 'node-a',
      cluster: { seeds: ['10.0.0.2:7420'], secret: 'a very secret secret' },
      broker: { urls: ['stomp://aes:pw@mq1:61613'] },
    }),
  );
  const out = runCli(['config', 'check', file]);
  assert.equal(out.status, 0, out.stderr);
  assert.ok(out.stdout.startsWith(`${file}: valid\n  node       node-a`), out.stdout);
  assert.match(out.stdout, /seeds 10\.0\.0\.2:7420, secret set/);
  assert.match(out.stdout, /broker {5}stomp:\/\/aes:redacted@mq1:61613/);
  const json = runCli(['config', 'check', '--json', file]);
  assert.equal(json.status, 0, json.stderr);
  assert.doesNotMatch(json.stdout, /very secret|:pw@/);
  const parsed = JSON.parse(json.stdout) as { node: string; http: { port: number } };
  assert.equal(parsed.node, 'node-a');
  assert.equal(parsed.http.port, 9464);
});

test('aes config check: an invalid file fails naming the file and each field', async () => {
  await using dir = await tempDir();
  const file = join(dir.path, 'node.json');
  await writeFile(file, JSON.stringify({ node: 'n', http: { port: -1 }, extra: true }));
  const out = runCli(['config', 'check', file]);
  assert.equal(out.status, 1);
  assert.equal(
    out.stderr,
    `aes: error [RUNTIME_CONFIG_INVALID]: ${file}: invalid config\n` +
      '  /extra: is not a known field (known: node, dataDir, cluster, broker, http, lineage, coordination, endpoints)\n' +
      '  /http/port: must be >= 0\n',
  );
});

test('aes config check: TLS files and broker logins are checked; --json prints no key or passcode', async () => {
  await using dir = await tempDir();
  const certificates = makeCertificates();
  try {
    const pem = (name: string): string => join(certificates.dir, name);
    const users = join(dir.path, 'broker-users.json');
    const file = join(dir.path, 'aes.config.json');
    await writeFile(
      file,
      JSON.stringify({
        node: 'node-a',
        cluster: { tls: { cert: pem('server.crt'), key: pem('server.key') } },
        broker: {
          embedded: {
            usersFile: 'broker-users.json',
            tls: { cert: pem('server.crt'), key: pem('server.key') },
          },
        },
      }),
    );
    const missing = runCli(['config', 'check', file]);
    assert.equal(missing.status, 1);
    assert.match(
      missing.stderr,
      new RegExp(
        `^aes: error \\[RUNTIME_CONFIG_INVALID\\]: ${file}: invalid config\\n  /broker/embedded/usersFile: cannot read ${users}: ENOENT`,
      ),
    );
    await writeFile(users, JSON.stringify({ app: 'broker-passcode' }));
    const out = runCli(['config', 'check', file]);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /broker {5}embedded on 127\.0\.0\.1:61614 .*, 1 login, TLS$/m);
    const json = runCli(['config', 'check', '--json', file]);
    assert.equal(json.status, 0, json.stderr);
    assert.doesNotMatch(json.stdout, /broker-passcode|PRIVATE KEY|"data"/);
    assert.ok(json.stdout.includes(pem('server.key')), 'the key file is named');
  } finally {
    certificates.remove();
  }
});

test('aes config check runs the checks aes run runs: the endpoints folder and the broker URLs', async () => {
  await using dir = await tempDir();
  const file = join(dir.path, 'aes.config.json');
  const endpoints = join(dir.path, 'endpoints');
  await mkdir(join(endpoints, 'orders-out'), { recursive: true });
  await writeFile(join(endpoints, 'orders-out', 'index.ts'), 'export default () => undefined;\n');
  await mkdir(join(endpoints, 'orders-in'));
  await writeFile(join(endpoints, 'orders-in', 'index.mjs'), 'export default () => undefined;\n');
  // Ports 0: should `aes run` get past its checks by mistake, it must not collide with anything.
  const config = { node: 'node-a', cluster: { port: 0 }, http: { port: 0 } };
  await writeFile(file, JSON.stringify({ ...config, broker: { embedded: { port: 0 } } }));
  const good = runCli(['config', 'check', file]);
  assert.equal(good.status, 0, good.stderr);
  assert.ok(
    good.stdout.endsWith(
      `  endpoints  ${endpoints}\n    orders-in   orders-in/index.mjs\n    orders-out  orders-out/index.ts\n`,
    ),
    good.stdout,
  );

  await mkdir(join(endpoints, 'Bad Name'));
  await writeFile(join(endpoints, 'Bad Name', 'index.ts'), 'export default () => undefined;\n');
  const expected =
    `aes: error [RUNTIME_CONFIG_INVALID]: ${file}: invalid config\n` +
    `  /endpoints/folder: ${join(endpoints, 'Bad Name')}: 'Bad Name' is not an endpoint name ([A-Za-z0-9][A-Za-z0-9_.-]*)\n`;
  const check = runCli(['config', 'check', file]);
  assert.equal(check.status, 1);
  assert.equal(check.stderr, expected);
  const run = runCli(['run', file], { timeoutMs: 60_000 });
  assert.equal(run.status, 1);
  assert.ok(run.stderr.endsWith(expected), run.stderr);

  // Broker URLs an endpoint could not use fail here, not in every endpoint's first start.
  await writeFile(
    file,
    JSON.stringify({
      ...config,
      endpoints: { folder: 'none' },
      broker: { urls: ['stomp://mq1:61613', 'mqtt://mq2:1883'] },
    }),
  );
  const mixed = runCli(['config', 'check', file]);
  assert.equal(mixed.status, 1);
  assert.match(mixed.stderr, /\/broker\/urls: broker URLs mix schemes 'stomp' and 'mqtt'/);
  const mixedRun = runCli(['run', file], { timeoutMs: 60_000 });
  assert.equal(mixedRun.status, 1);
  assert.match(mixedRun.stderr, /\/broker\/urls: broker URLs mix schemes 'stomp' and 'mqtt'/);
});
