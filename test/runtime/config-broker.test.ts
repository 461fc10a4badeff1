/**
 * The embedded broker's logins and TLS in the node config (`broker.embedded.usersFile`,
 * `broker.embedded.tls`): paths resolved, files read by `loadConfig`, every bad file a
 * `ConfigError` naming the field and the file, and nothing secret in the redacted config.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigError,
  describeConfig,
  loadConfig,
  parseConfig,
  redactConfig,
} from '../../runtime/node/index.js';
import { makeCertificates } from '../support/certs.js';
import { embeddedBrokerOptions } from '../../runtime/node/embedded-broker.js';
import { tempDir } from './support/helpers.js';

const certificates = makeCertificates();
after(() => certificates.remove());
const pem = (name: string): string => join(certificates.dir, name);

/** Writes a config whose embedded broker section is `embedded`; returns its path. */
async function configWith(dir: string, embedded: object): Promise<string> {
  const file = join(dir, 'aes.config.json');
  await writeFile(file, JSON.stringify({ node: 'n', broker: { embedded } }));
  return file;
}

/** The one issue `loadConfig(file)` rejects with, as `pointer: message`. */
async function issueOf(file: string): Promise<string> {
  try {
    await loadConfig(file);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.file, file);
    assert.equal(err.issues.length, 1, err.message);
    return `${err.issues[0]?.pointer ?? ''}: ${err.issues[0]?.message ?? ''}`;
  }
  assert.fail('expected a ConfigError');
}

test('usersFile and tls paths resolve against the config folder; the schema checks the shape', () => {
  const config = parseConfig(
    {
      node: 'n',
      broker: {
        embedded: {
          host: '0.0.0.0',
          usersFile: 'broker-users.json',
          tls: { cert: 'tls/broker.crt', key: '/etc/aes/broker.key', clientCa: 'tls/ca.crt' },
        },
      },
    },
    { file: 'aes.config.json', baseDir: '/srv/p' },
  );
  assert.equal(config.broker.kind, 'embedded');
  if (config.broker.kind !== 'embedded') return;
  assert.equal(config.broker.usersFile, '/srv/p/broker-users.json');
  assert.deepEqual(config.broker.tls, {
    certFile: '/srv/p/tls/broker.crt',
    keyFile: '/etc/aes/broker.key',
    clientCaFile: '/srv/p/tls/ca.crt',
  });

  const issues = (embedded: object): string[] => {
    try {
      parseConfig({ node: 'n', broker: { embedded } }, { file: 'c.json', baseDir: '/' });
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.issues.map((i) => `${i.pointer}: ${i.message}`);
    }
    return [];
  };
  assert.deepEqual(issues({ tls: { cert: 'c.pem' } }), ['/broker/embedded/tls/key: is required']);
  assert.deepEqual(issues({ tls: { cert: 'c', key: 'k', ca: 'x' } }), [
    '/broker/embedded/tls/ca: is not a known field (known: cert, key, clientCa)',
  ]);
  assert.deepEqual(issues({ usersFile: '' }), [
    '/broker/embedded/usersFile: must NOT have fewer than 1 characters',
  ]);
  assert.deepEqual(issues({ heapHeadroomMb: -1 }), [
    '/broker/embedded/heapHeadroomMb: must be >= 0',
  ]);
  assert.deepEqual(issues({ memoryBudgetMb: 0 }), [
    '/broker/embedded/memoryBudgetMb: must be >= 1',
  ]);
});

test('heapHeadroomMb and memoryBudgetMb reach the embedded broker; absent, the broker keeps its defaults', () => {
  const at = (embedded: object) => {
    const config = parseConfig(
      { node: 'n', broker: { embedded } },
      { file: 'c.json', baseDir: '/' },
    );
    assert.equal(config.broker.kind, 'embedded');
    if (config.broker.kind !== 'embedded') throw new Error('unreachable');
    return embeddedBrokerOptions(config, config.broker, undefined);
  };
  assert.equal(at({ heapHeadroomMb: 0 }).heapHeadroomMb, 0);
  assert.equal(at({ heapHeadroomMb: 512 }).heapHeadroomMb, 512);
  assert.equal('heapHeadroomMb' in at({}), false);
  assert.equal(at({ memoryBudgetMb: 16 }).memoryBudgetMb, 16);
  assert.equal('memoryBudgetMb' in at({}), false);
});

test('loadConfig reads the users file and the TLS files', async () => {
  await using dir = await tempDir();
  await writeFile(join(dir.path, 'users.json'), JSON.stringify({ app: 's3cret', ops: 'x:y' }));
  const file = await configWith(dir.path, {
    usersFile: 'users.json',
    tls: { cert: pem('server.crt'), key: pem('server.key'), clientCa: pem('ca.crt') },
  });
  const config = await loadConfig(file);
  assert.equal(config.broker.kind, 'embedded');
  if (config.broker.kind !== 'embedded') return;
  assert.deepEqual({ ...config.broker.users }, { app: 's3cret', ops: 'x:y' });
  assert.deepEqual(config.broker.tls?.cert, certificates.serverCert);
  assert.deepEqual(config.broker.tls?.key, certificates.serverKey);
  assert.deepEqual(config.broker.tls?.clientCa, certificates.ca);
  assert.match(describeConfig(config), /broker {5}embedded on .*, 2 logins, TLS \(mutual\)$/m);

  // Nothing secret in what `aes config check --json` prints; the paths stay.
  const json = JSON.stringify(redactConfig(config));
  assert.doesNotMatch(json, /s3cret|x:y|PRIVATE KEY|"data":/);
  assert.match(json, /"users":\{"app":"<redacted>","ops":"<redacted>"\}/);
  assert.ok(json.includes(JSON.stringify(pem('server.key'))));
});

test('an empty users file is valid (only the node itself gets in); no protection is said so', async () => {
  await using dir = await tempDir();
  await writeFile(join(dir.path, 'users.json'), '{}');
  const config = await loadConfig(await configWith(dir.path, { usersFile: 'users.json' }));
  assert.match(describeConfig(config), /, 0 logins$/m);
  const open = await loadConfig(await configWith(dir.path, {}));
  assert.match(describeConfig(open), /, no logins, no TLS$/m);
});

test('a bad users file is a ConfigError naming the field and the file', async () => {
  await using dir = await tempDir();
  const users = join(dir.path, 'users.json');
  const file = await configWith(dir.path, { usersFile: 'users.json' });
  const field = '/broker/embedded/usersFile';

  assert.match(await issueOf(file), new RegExp(`^${field}: cannot read ${users}: ENOENT`));
  await writeFile(users, '{"app": "pw",}');
  assert.match(await issueOf(file), new RegExp(`^${field}: ${users} is not valid JSON: `));
  await writeFile(users, '["app:pw"]');
  assert.equal(
    await issueOf(file),
    `${field}: ${users} must hold a JSON object mapping each login to its passcode`,
  );
  await writeFile(users, '{"app": 42}');
  assert.equal(
    await issueOf(file),
    `${field}: ${users} must give login 'app' a non-empty passcode string`,
  );
  await writeFile(users, '{"app": ""}');
  assert.equal(
    await issueOf(file),
    `${field}: ${users} must give login 'app' a non-empty passcode string`,
  );
});

test('bad TLS files are ConfigErrors naming the field and the file', async () => {
  await using dir = await tempDir();
  const missing = join(dir.path, 'missing.crt');
  assert.match(
    await issueOf(await configWith(dir.path, { tls: { cert: missing, key: pem('server.key') } })),
    new RegExp(`^/broker/embedded/tls/cert: cannot read ${missing}: ENOENT`),
  );
  assert.match(
    await issueOf(
      await configWith(dir.path, {
        tls: { cert: pem('server.crt'), key: pem('server.key'), clientCa: missing },
      }),
    ),
    /^\/broker\/embedded\/tls\/clientCa: cannot read .*missing\.crt/,
  );
  // A key that is not the certificate's.
  assert.match(
    await issueOf(
      await configWith(dir.path, { tls: { cert: pem('server.crt'), key: pem('client.key') } }),
    ),
    /^\/broker\/embedded\/tls: .*server\.crt, .*client\.key: not a usable certificate, key: .*mismatch/,
  );
  // A key file that holds no PEM at all.
  await writeFile(join(dir.path, 'junk.key'), 'not a key\n');
  assert.match(
    await issueOf(
      await configWith(dir.path, { tls: { cert: pem('server.crt'), key: 'junk.key' } }),
    ),
    /^\/broker\/embedded\/tls: .*junk\.key: not a usable certificate, key: /,
  );
});
