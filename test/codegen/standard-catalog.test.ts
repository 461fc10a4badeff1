/**
 * Issue 20, the built-in catalog of standard schemas: the shipped copies are the ones the manifest
 * names (byte for byte), and every spelling of their URLs finds them.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeXml,
  getStandardSchema,
  STANDARD_SCHEMAS,
  standardSchemaDir,
  standardSchemaKey,
} from '../../wsdl/index.js';

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
