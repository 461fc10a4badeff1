/**
 * Issue 20, the built-in catalog of standard schemas: the shipped copies are the ones the manifest
 * names (byte for byte), every spelling of their URLs finds them, ONVIF WSDLs (which import W3C and
 * OASIS schemas by URL) generate offline with the network refused and type-check, and a schema that
 * lives only at an unknown URL still gets the refusal that names `--map` and `--catalog`.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CodegenError, generate, type WsdlSummary } from '../../codegen/index.js';
import { importMapper } from '../../mock/imports.js';
import {
  decodeXml,
  getStandardSchema,
  loadWsdl,
  STANDARD_SCHEMAS,
  standardSchemaDir,
  standardSchemaKey,
} from '../../wsdl/index.js';
import { CONSUMER_SETTINGS, tempDir, typeCheckEach } from './support.js';

const ONVIF = path.join(import.meta.dirname, 'fixtures', 'onvif');
/** The ONVIF WSDLs that reach W3C and OASIS schemas by URL (see fixtures/onvif/README.md). */
const ONVIF_ROOTS = ['ver10/device/wsdl/devicemgmt.wsdl', 'ver10/events/wsdl/event.wsdl'];

/** Runs `body` with `fetch` replaced by one that fails the test: nothing may reach the network. */
async function withoutNetwork<T>(body: () => Promise<T>): Promise<T> {
  const real = globalThis.fetch;
  const attempts: string[] = [];
  globalThis.fetch = (input: string | URL | Request): Promise<Response> => {
    attempts.push(input instanceof Request ? input.url : String(input));
    return Promise.reject(new Error('network refused by the test'));
  };
  try {
    return await body();
  } finally {
    globalThis.fetch = real;
    assert.deepEqual(attempts, [], 'no fetch was attempted');
  }
}

test('every catalog file is the copy the manifest names, defines its namespace, and is documented', () => {
  const dir = standardSchemaDir();
  const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
  const shipped = readdirSync(dir).filter((f) => /\.(xsd|wsdl)$/.test(f));
  assert.deepEqual(
    [...shipped].sort(),
    STANDARD_SCHEMAS.map((s) => s.file).sort(),
    'the folder holds exactly the manifest',
  );
  for (const schema of STANDARD_SCHEMAS) {
    const bytes = readFileSync(path.join(dir, schema.file));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    assert.equal(sha256, schema.sha256, `${schema.file}: bytes unchanged since copied`);
    const text = decodeXml(bytes);
    const root =
      /<(?:\w+:)?(?:schema|definitions)\b[^>]*?\stargetNamespace\s*=\s*["']([^"']+)["']/.exec(text);
    assert.equal(root?.[1], schema.namespace, `${schema.file} defines its namespace`);
    assert.match(schema.origin.commit, /^[0-9a-f]{40}$/, `${schema.file}: origin commit`);
    for (const needle of [schema.file, schema.origin.repo, schema.origin.commit, schema.licence]) {
      assert.ok(readme.includes(needle), `standard-schemas/README.md names ${needle}`);
    }
    if (schema.licence === 'OASIS') {
      assert.match(text, /Copyright \S* ?\(?C?\)? ?OASIS Open|Copyright © OASIS Open/, schema.file);
      assert.match(text, /may be copied and furnished to others/, `${schema.file}: notice kept`);
    }
  }
});

test('catalog lookup: every published spelling of a URL finds its schema, nothing else does', () => {
  const seen = new Map<string, string>();
  for (const schema of STANDARD_SCHEMAS) {
    for (const url of schema.urls) {
      const key = standardSchemaKey(url);
      assert.ok(key !== undefined, url);
      assert.equal(seen.get(key) ?? schema.file, schema.file, `${url}: one schema per key`);
      seen.set(key, schema.file);
      const bare = url.replace(/\/$/, '');
      const variants = [
        url,
        url.replace(/^http:/, 'https:'),
        bare,
        `${bare}/`,
        bare.endsWith('.xsd') ? bare.slice(0, -4) : `${bare}.xsd`,
        url.replace(/^http:\/\/([^/]+)/, (_m, host: string) => `http://${host.toUpperCase()}`),
      ];
      for (const variant of variants) {
        assert.equal(
          getStandardSchema(variant)?.file,
          schema.file,
          `${variant} finds ${schema.file}`,
        );
      }
    }
  }
  // The spellings real WSDLs use (ONVIF's onvif.xsd, event.wsdl; WS-Security headers).
  const expected: [string, string][] = [
    ['https://www.w3.org/2005/05/xmlmime', 'xmlmime.xsd'],
    ['https://www.w3.org/2004/08/xop/include', 'xop-include.xsd'],
    ['https://www.w3.org/2003/05/soap-envelope', 'soap12-envelope.xsd'],
    ['http://www.w3.org/2003/05/soap-envelope/', 'soap12-envelope.xsd'],
    ['http://schemas.xmlsoap.org/soap/envelope', 'soap11-envelope.xsd'],
    ['http://www.w3.org/2005/08/addressing/ws-addr.xsd', 'ws-addr.xsd'],
    ['http://docs.oasis-open.org/wsn/b-2.xsd', 'b-2.xsd'],
    ['http://docs.oasis-open.org/wsn/b-2', 'b-2.xsd'],
    ['http://docs.oasis-open.org/wsrf/rw-2.wsdl', 'rw-2.wsdl'],
    ['http://www.w3.org/2001/xml.xsd', 'xml.xsd'],
    ['http://www.w3.org/TR/xmldsig-core/xmldsig-core-schema.xsd', 'xmldsig-core-schema.xsd'],
  ];
  for (const [url, file] of expected) assert.equal(getStandardSchema(url)?.file, file, url);
  for (const url of [
    'http://docs.oasis-open.org/wsn/b-3.xsd',
    'http://www.w3.org/2005/05/xmlmime?x=1',
    'http://www.w3.org/2005/05/xmlmime#frag',
    'ftp://www.w3.org/2005/05/xmlmime',
    'http://www.w3.org/2001/03/xml.xsd',
    'http://schemas.xmlsoap.org/soap/encoding/',
    'not a url',
  ]) {
    assert.equal(getStandardSchema(url), undefined, `${url} is not in the catalog`);
  }
});

test('every ONVIF WSDL that imports standard schemas generates offline, network refused, and type-checks', async () => {
  const { dir, cleanup } = await tempDir('onvif');
  try {
    const summaries: WsdlSummary[] = await withoutNetwork(() =>
      generate(
        ONVIF_ROOTS.map((r) => path.join(ONVIF, r)),
        { out: dir },
      ),
    );
    assert.equal(summaries.length, ONVIF_ROOTS.length);
    for (const s of summaries) {
      assert.equal(s.types, s.schemaTypes, `${s.source}: every named type and element emitted`);
      assert.deepEqual(s.warnings, [], `${s.source}: every reference resolves`);
    }
    const loaded = await loadWsdl(path.join(ONVIF, ONVIF_ROOTS[1] ?? ''));
    const read = loaded.files.map((f) => path.basename(f));
    for (const file of ['bw-2.wsdl', 'rw-2.wsdl', 'b-2.xsd', 'bf-2.xsd', 't-1.xsd', 'r-2.xsd']) {
      assert.ok(read.includes(file), `event.wsdl reads ${file} from the catalog`);
    }
    const files = summaries
      .flatMap((s) => s.files.map((f) => path.join(dir, s.folder, f)))
      .filter((f) => f.endsWith('.ts'));
    const bySetting = typeCheckEach(dir, files);
    for (const setting of CONSUMER_SETTINGS) {
      const errors = [...(bySetting.get(setting.name)?.values() ?? [])].flat();
      assert.deepEqual(errors.slice(0, 10), [], `${setting.name}: ONVIF output type-checks`);
    }
  } finally {
    await cleanup();
  }
});

test('a schema only at an unknown URL still gets the refusal naming --map and --catalog', async () => {
  // ONVIF's federated search imports the MPEG Query Format schema from ISO: not a W3C/OASIS one.
  const wsdl = path.join(ONVIF, 'ver10', 'federatedsearch.wsdl');
  const err = await withoutNetwork(() =>
    loadWsdl(wsdl).then(
      () => undefined,
      (e: unknown) => e,
    ),
  );
  assert.ok(err instanceof CodegenError, String(err));
  assert.equal(err.code, 'WSDL_REMOTE_IMPORT');
  const url =
    'http://standards.iso.org/ittf/PubliclyAvailableStandards/MPEG-7_schema_files/mpqf.xsd';
  assert.ok(err.message.includes(`--map ${url}=<path>`), err.message);
  assert.match(err.message, /--catalog/);
  assert.match(err.message, /--allow-network/);
  assert.match(err.message, /built-in catalog of standard schemas has no copy of it/);
  assert.equal(err.location?.file, wsdl);
});

test('the built-in catalog comes before --map; --no-standard-schemas hands the URL to --map', async () => {
  const { dir, cleanup } = await tempDir('std-override');
  try {
    const url = 'http://www.w3.org/2005/05/xmlmime';
    const wsdl = path.join(dir, 'uses-xmlmime.xsd');
    writeFileSync(
      wsdl,
      `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:u">
  <xs:import namespace="${url}" schemaLocation="https://www.w3.org/2005/05/xmlmime"/>
</xs:schema>
`,
    );
    const own = path.join(dir, 'my-xmlmime.xsd');
    writeFileSync(
      own,
      `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="${url}"/>\n`,
    );
    const map = { 'https://www.w3.org/2005/05/xmlmime': own };
    const builtIn = await loadWsdl(wsdl, { map });
    assert.ok(
      builtIn.files.includes(path.join(standardSchemaDir(), 'xmlmime.xsd')),
      'the built-in copy wins over --map',
    );
    const mapped = await loadWsdl(wsdl, { map, standardSchemas: false });
    assert.ok(mapped.files.includes(own), '--no-standard-schemas lets --map decide');
    const off = await loadWsdl(wsdl, { standardSchemas: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(off instanceof CodegenError && off.code === 'WSDL_REMOTE_IMPORT');
    assert.match(off.message, /built-in catalog of standard schemas is off/);
  } finally {
    await cleanup();
  }
});

test('aes mock hands node-soap the catalog copy of a standard schema', async () => {
  const mapper = await importMapper({}, undefined, false);
  assert.equal(
    mapper('http://docs.oasis-open.org/wsn/b-2.xsd'),
    path.join(standardSchemaDir(), 'b-2.xsd'),
  );
  const off = await importMapper({}, undefined, false, false);
  assert.match(off('http://docs.oasis-open.org/wsn/b-2.xsd'), /^<\?xml/);
});
