/**
 * Bad input through the real CLI: each error names the file, the line and the construct, exits
 * non-zero and leaves `--out` untouched. Also the offline rules for remote imports.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { generate } from '../../codegen/index.js';
import { runCli } from '../support/cli.js';
import { corpusDir, tempDir } from './support.js';

let dir = '';
let cleanup: () => Promise<void> = () => Promise.resolve();

const HEAD = `<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:t" targetNamespace="urn:t">`;

function wsdl(types: string, rest = ''): string {
  return `${HEAD}
  <types>
    <xsd:schema targetNamespace="urn:t" elementFormDefault="qualified">
${types}
    </xsd:schema>
  </types>
${rest}
</definitions>
`;
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

before(async () => {
  ({ dir, cleanup } = await tempDir('bad-input'));
});

after(async () => {
  await cleanup();
});

test('malformed XML: file:line named, exit 1, --out left as it was', () => {
  const good = path.join(corpusDir(), 'eu-vies-checkvat/checkVatService.wsdl');
  const bad = write(
    'broken.wsdl',
    `${HEAD}\n  <message name="m">\n    <part name="p" type="xsd:string">\n  </message>\n</definitions>\n`,
  );
  const out = path.join(dir, 'out-malformed');
  mkdirSync(out);
  writeFileSync(path.join(out, 'keep.txt'), 'mine');
  const r = runCli(['gen', '--wsdl', good, bad, '--out', out]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /\[WSDL_XML\]/);
  assert.match(r.stderr, /broken\.wsdl:6:\d+: malformed XML/);
  assert.deepEqual(readdirSync(out), ['keep.txt'], 'nothing half-written (not even the good WSDL)');
});

test('an --out that cannot be made: GEN_OUTPUT naming it, at once (also under /proc)', (t) => {
  const good = path.join(corpusDir(), 'eu-vies-checkvat/checkVatService.wsdl');
  const file = write('a-file', 'x');
  const r = runCli(['gen', '--wsdl', good, '--out', path.join(file, 'out')]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /\[GEN_OUTPUT\]: cannot write into '.*a-file\/out': EEXIST: file already exists, mkdir '.*a-file'/,
  );
  assert.equal(readFileSync(file, 'utf8'), 'x');
  // Node's own recursive mkdir spins there for ever; runCli's deadline would end it by a signal.
  if (!existsSync('/proc/self')) return t.skip('no procfs on this machine');
  const proc = runCli(['gen', '--wsdl', good, '--out', '/proc/aes-no-such/out']);
  assert.equal(proc.signal, null, 'it ended by itself');
  assert.equal(proc.status, 1, proc.stderr);
  assert.match(proc.stderr, /\[GEN_OUTPUT\]: cannot write into '\/proc\/aes-no-such\/out': ENOENT/);
});

test('missing import: the importing file, line and the missing path are named', () => {
  const file = write(
    'missing-import.wsdl',
    wsdl('      <xsd:import namespace="urn:x" schemaLocation="nowhere/types.xsd"/>'),
  );
  const r = runCli(['gen', '--wsdl', file, '--out', path.join(dir, 'out-missing')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\[WSDL_NOT_FOUND\]/);
  assert.match(
    r.stderr,
    /missing-import\.wsdl:6:\d+: imported document '.*nowhere\/types\.xsd' cannot be read/,
  );
  assert.equal(existsSync(path.join(dir, 'out-missing')), false);
});

test('a --wsdl pattern the shell left as written: expanded here, and one matching nothing refused', () => {
  const folder = path.join(dir, 'patterns');
  mkdirSync(folder);
  writeFileSync(
    path.join(folder, 'vies.wsdl'),
    readFileSync(path.join(corpusDir(), 'eu-vies-checkvat/checkVatService.wsdl')),
  );
  const out = path.join(dir, 'out-patterns');
  const r = runCli(['gen', '--wsdl', path.join(folder, '*.wsdl'), '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(path.join(out, 'vies')), readdirSync(out).join(', '));
  const none = runCli(['gen', '--wsdl', path.join(folder, '*.xml'), '--out', out]);
  assert.equal(none.status, 2, none.stderr);
  assert.match(none.stderr, /\[GEN_USAGE\].*no file matches .*patterns\/\*\.xml/);
});

test('unknown type reference: a warning by default (becomes unknown), an error with --strict', () => {
  const file = write(
    'unknown-type.wsdl',
    wsdl(
      '      <xsd:element name="Order">\n        <xsd:complexType><xsd:sequence>\n          <xsd:element name="item" type="tns:NoSuchType"/>\n        </xsd:sequence></xsd:complexType>\n      </xsd:element>',
    ),
  );
  const lenient = runCli(['gen', '--wsdl', file, '--out', path.join(dir, 'out-unknown')]);
  assert.equal(lenient.status, 0, lenient.stderr);
  assert.match(
    lenient.stderr,
    /warning: .*unknown-type\.wsdl:8:\d+: element 'item' refers to unknown type \{urn:t\}NoSuchType/,
  );
  const strict = runCli([
    'gen',
    '--strict',
    '--wsdl',
    file,
    '--out',
    path.join(dir, 'out-unknown-strict'),
  ]);
  assert.equal(strict.status, 1);
  assert.match(
    strict.stderr,
    /\[WSDL_UNKNOWN_REF\].*unknown-type\.wsdl:8:\d+: element 'item' refers to unknown type/,
  );
  assert.equal(existsSync(path.join(dir, 'out-unknown-strict')), false);
});

test('remote import: offline by default, the error names --map and --allow-network; --map and --catalog resolve it', () => {
  const url = 'http://schemas.example.invalid/types/orders.xsd';
  write(
    'local/orders.xsd',
    '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:o"><xsd:complexType name="Order"><xsd:sequence><xsd:element name="id" type="xsd:int"/></xsd:sequence></xsd:complexType></xsd:schema>\n',
  );
  const file = write(
    'remote.wsdl',
    wsdl(`      <xsd:import namespace="urn:o" schemaLocation="${url}"/>`),
  );
  const offline = runCli(['gen', '--wsdl', file, '--out', path.join(dir, 'out-remote')]);
  assert.equal(offline.status, 1);
  assert.match(
    offline.stderr,
    /\[WSDL_REMOTE_IMPORT\].*remote\.wsdl:6:\d+: remote document 'http:\/\/schemas\.example\.invalid\/types\/orders\.xsd' is not read offline: map it .*--map http:\/\/schemas\.example\.invalid\/types\/orders\.xsd=<path>.*--allow-network/,
  );
  const mapped = runCli([
    'gen',
    '--wsdl',
    file,
    '--map',
    `http://schemas.example.invalid/types/=${path.join(dir, 'local')}/`,
    '--out',
    path.join(dir, 'out-remote'),
    '--json',
  ]);
  assert.equal(mapped.status, 0, mapped.stderr);
  const summary = JSON.parse(mapped.stdout) as { wsdls: { types: number; notes: string[] }[] };
  assert.equal(summary.wsdls[0]?.types, 1);
  assert.match(
    summary.wsdls[0]?.notes.join('\n') ?? '',
    /no wsdl:service: there is no client to make/,
  );
  const catalog = write(
    'catalog.xml',
    `<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog"><uri name="${url}" uri="local/orders.xsd"/></catalog>\n`,
  );
  const viaCatalog = runCli([
    'gen',
    '--wsdl',
    file,
    '--catalog',
    catalog,
    '--out',
    path.join(dir, 'out-catalog'),
    '--quiet',
  ]);
  assert.equal(viaCatalog.status, 0, viaCatalog.stderr);
  assert.equal(viaCatalog.stdout, '');
  assert.ok(existsSync(path.join(dir, 'out-catalog', 'remote', 'types.generated.ts')));
});

test('unreachable URL with --allow-network: WSDL_FETCH naming the URL', async () => {
  // A port that was just free: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const url = `http://127.0.0.1:${port}/service?wsdl`;
  const offline = runCli(['gen', '--wsdl', url, '--out', path.join(dir, 'out-url')]);
  assert.equal(offline.status, 1);
  assert.match(offline.stderr, /\[WSDL_REMOTE_IMPORT\].*--allow-network/);
  const r = runCli(['gen', '--allow-network', '--wsdl', url, '--out', path.join(dir, 'out-url')]);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    new RegExp(`\\[WSDL_FETCH\\].*cannot fetch '${url.replace(/[?.]/g, '\\$&')}'`),
  );
});

test('with --allow-network a WSDL is read over HTTP, its relative imports resolved against the URL', async () => {
  const root = path.join(corpusDir(), 'nodesoap-complex-registration');
  const requested: string[] = [];
  const server = createHttpServer((req, res) => {
    requested.push(req.url ?? '');
    readFile(path.join(root, path.normalize(req.url ?? '/')))
      .then((body) => res.end(body))
      .catch(() => {
        res.statusCode = 404;
        res.end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/registration.wsdl`;
    const [summary] = await generate([url], {
      out: path.join(dir, 'out-http'),
      allowNetwork: true,
      timeoutMs: 10_000,
    });
    assert.equal(summary?.types, 19);
    assert.equal(summary?.clients.length, 2);
    assert.ok(requested.length >= 6, `fetched ${requested.join(', ')}`);
    const client = readFileSync(
      path.join(dir, 'out-http', 'registration', 'client.generated.ts'),
      'utf8',
    );
    assert.match(client, new RegExp(`const WSDL = '${url.replace(/[.]/g, '\\.')}'`));
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('no wsdl:service: all types generated, no client, says so; describe prints operations', () => {
  const file = path.join(corpusDir(), 'cxf-noservice/helloworld-noservice.wsdl');
  const out = path.join(dir, 'out-noservice');
  const r = runCli(['gen', '--wsdl', file, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /note: no wsdl:service: there is no client to make/);
  assert.deepEqual(readdirSync(path.join(out, 'helloworld-noservice')).sort(), [
    'index.generated.ts',
    'types.generated.ts',
  ]);
  const d = runCli(['describe', path.join(corpusDir(), 'eu-vies-checkvat/checkVatService.wsdl')]);
  assert.equal(d.status, 0, d.stderr);
  assert.match(d.stdout, /service checkVatService\n {2}port checkVatPort \(SOAP 1\.1\)/);
  assert.match(
    d.stdout,
    /checkVat \(document\)\n {6}input:\n {8}checkVat \{\n {10}countryCode: string;/,
  );
});
