/**
 * `aes endpoint create --sample`: a message captured from the system, which the generated test
 * checks the wiring against. Bad samples and flags that do not fit are refused with an error
 * naming the flag and the file, exit 2 for a usage mistake and 1 for a sample that cannot serve,
 * and nothing written; a good one is copied into the project's test/samples/.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ENDPOINT_FLAGS, failsCleanly, newProject, runCli, tempDir } from './support.js';

const OUT = ENDPOINT_FLAGS['orders-out'] ?? [];
const IN = ENDPOINT_FLAGS['orders-in'] ?? [];

/** A SOAP 1.1 envelope around `body`. */
function envelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
${body}
  </soap:Body>
</soap:Envelope>
`;
}

const POP_RESPONSE = envelope(`    <PopResponse xmlns="urn:aes:example:source">
      <record><id>A-1</id><payload>{"n":1}</payload></record>
      <record><id>A-2</id><payload>{"n":2}</payload></record>
    </PopResponse>`);

const PUT_REQUEST = envelope(`    <PutRequest xmlns="urn:aes:example:target">
      <messageId>orders:7</messageId>
      <payload>{"order": 7, "lines": [1, 2]}</payload>
    </PutRequest>`);

interface Fixture {
  readonly project: string;
  /** Writes `text` to a file of the fixture folder (outside the project); its path. */
  file(name: string, text: string): Promise<string>;
}

async function fixture(tmp: string): Promise<Fixture> {
  const project = await newProject(tmp);
  return {
    project,
    async file(name, text) {
      const file = path.join(tmp, name);
      await writeFile(file, text);
      return file;
    },
  };
}

describe('aes endpoint create --sample', () => {
  it('refuses sample flags that do not fit the kind or each other (exit 2)', async () => {
    await using tmp = await tempDir('aes-sample-');
    const f = await fixture(tmp.path);
    const pop = await f.file('pop.xml', POP_RESPONSE);
    const doc = await f.file('doc.json', '{"order":7}');
    const cases: readonly (readonly [readonly string[], RegExp])[] = [
      [[...OUT, '--sample-ids', 'A-1'], /--sample-ids needs --sample: a response of --pop/],
      [[...OUT, '--sample', pop], /--sample needs --sample-ids: the ids of the records in it/],
      [
        [...OUT, '--sample', pop, '--sample-ids', 'A-1', '--sample-payload', doc],
        /--sample-payload applies to an inbound endpoint/,
      ],
      [[...IN, '--sample', pop], /--sample needs --sample-payload/],
      [[...IN, '--sample', pop, '--sample-ids', 'A-1'], /--sample-ids applies to an outbound/],
      [[...IN, '--sample-popped', pop], /--sample-popped applies to an outbound endpoint/],
      [[...OUT, '--sample-popped', pop], /--sample-popped needs --sample and --sample-ids/],
      [
        [...OUT, '--sample', pop, '--sample-ids', 'A-1,,A-2'],
        /--sample-ids 'A-1,,A-2' has an empty id/,
      ],
      [[...OUT, '--sample', pop, '--sample-ids', 'A-1, A-1'], /--sample-ids names 'A-1' twice/],
      [
        [...OUT, '--sample', path.join(tmp.path, 'nope.xml'), '--sample-ids', 'A-1'],
        /--sample: no such file '.*nope\.xml'/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await failsCleanly(f.project, args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^aes: error \[SCAFFOLD_USAGE\]: /);
      assert.match(r.stderr, message);
    }
  });

  it('refuses a sample that is not a capture of the operation, naming file and line (exit 1)', async () => {
    await using tmp = await tempDir('aes-sample-');
    const f = await fixture(tmp.path);
    const cases: readonly (readonly [string, RegExp])[] = [
      [
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">\n<soap:Body>\n</soap:Envelop>',
        /bad\.xml:3:\d+: malformed XML/,
      ],
      [
        '<PopResponse xmlns="urn:aes:example:source"/>',
        /the root element is <PopResponse> in urn:aes:example:source, not a SOAP 1\.1 or 1\.2 <Envelope>/,
      ],
      [envelope(''), /has no element in its Body: it should hold a response of Pop/],
      [
        envelope(
          '<soap:Fault><faultcode>soap:Server</faultcode><faultstring>busy</faultstring></soap:Fault>',
        ),
        /the body holds a SOAP Fault \(.*bad\.xml:4\), not a response of Pop/,
      ],
      [
        envelope('<PoppedResponse xmlns="urn:aes:example:source"/>'),
        /the body holds <PoppedResponse> \(.*bad\.xml:4\), not <PopResponse>/,
      ],
    ];
    for (const [text, message] of cases) {
      const bad = await f.file('bad.xml', text);
      const r = await failsCleanly(f.project, [...OUT, '--sample', bad, '--sample-ids', 'A-1']);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /^aes: error \[SCAFFOLD_SAMPLE\]: --sample /);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.split('\n').length, 1, r.stderr);
    }
  });

  it('refuses an inbound capture that does not hold the document given', async () => {
    await using tmp = await tempDir('aes-sample-');
    const f = await fixture(tmp.path);
    const put = await f.file('put.xml', PUT_REQUEST);
    const other = await f.file('other.json', '{"order": 8}');
    const r = await failsCleanly(f.project, [...IN, '--sample', put, '--sample-payload', other]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /\[SCAFFOLD_SAMPLE\]: --sample .*put\.xml: no element of the request holds the document of --sample-payload .*other\.json/,
    );
    const empty = await f.file('empty.json', '  \n');
    const e = await failsCleanly(f.project, [...IN, '--sample', put, '--sample-payload', empty]);
    assert.match(e.stderr, /\[SCAFFOLD_USAGE\]: --sample-payload .*empty\.json: the file is empty/);
  });

  it('refuses a popped capture that is not the popped request, or not of the first record', async () => {
    await using tmp = await tempDir('aes-sample-');
    const f = await fixture(tmp.path);
    const pop = await f.file('pop.xml', POP_RESPONSE);
    const args = [...OUT, '--sample', pop, '--sample-ids', 'A-1,A-2'];
    // The pop response given as the popped request.
    const wrongOp = await failsCleanly(f.project, [...args, '--sample-popped', pop]);
    assert.equal(wrongOp.status, 1, wrongOp.stderr);
    assert.match(
      wrongOp.stderr,
      /\[SCAFFOLD_SAMPLE\]: --sample-popped .*pop\.xml: the body holds <PopResponse> \(.*\), not <PoppedRequest>: it should be a request of Popped/,
    );
    const second = await f.file(
      'popped.xml',
      envelope('<PoppedRequest xmlns="urn:aes:example:source"><id>A-2</id></PoppedRequest>'),
    );
    const notFirst = await failsCleanly(f.project, [...args, '--sample-popped', second]);
    assert.match(
      notFirst.stderr,
      /\[SCAFFOLD_SAMPLE\]: --sample-popped .*popped\.xml: the request holds the id 'A-1' \(the first of --sample-ids\) nowhere; capture the Popped request that removed that record/,
    );
  });

  it('copies the capture and the document into test/samples/, for the generated test', async () => {
    await using tmp = await tempDir('aes-sample-');
    const f = await fixture(tmp.path);
    const put = await f.file('put.xml', PUT_REQUEST);
    // The same document, written otherwise: it is compared as JSON.
    const doc = await f.file('doc.json', '{\n  "order": 7,\n  "lines": [1, 2]\n}\n');
    const r = runCli([
      'endpoint',
      'create',
      '--project',
      f.project,
      ...IN,
      '--sample',
      put,
      '--sample-payload',
      doc,
      '--json',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const created = JSON.parse(r.stdout) as { files: string[]; notes: string[] };
    assert.ok(created.files.includes(path.join('test', 'samples', 'orders-in.put.xml')), r.stdout);
    assert.ok(
      created.files.includes(path.join('test', 'samples', 'orders-in.payload.json')),
      r.stdout,
    );
    assert.equal(
      await readFile(path.join(f.project, 'test', 'samples', 'orders-in.put.xml'), 'utf8'),
      PUT_REQUEST,
    );
    const test = await readFile(path.join(f.project, 'test', 'orders-in.test.ts'), 'utf8');
    assert.match(test, /new URL\('\.\/samples\/orders-in\.put\.xml', import\.meta\.url\)/);
    assert.match(test, /SOAPAction":"\\"urn:aes:example:target#Put\\""/);
  });

  it('keeps a capture in another encoding readable: copied as UTF-8, its declaration saying so', async () => {
    await using tmp = await tempDir('aes-sample-');
    const f = await fixture(tmp.path);
    const latin1 = POP_RESPONSE.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace(
      '{"n":1}',
      '{"n":"café"}',
    );
    const pop = path.join(tmp.path, 'pop-latin1.xml');
    await writeFile(pop, Buffer.from(latin1, 'latin1'));
    const r = runCli([
      'endpoint',
      'create',
      '--project',
      f.project,
      ...OUT,
      '--sample',
      pop,
      '--sample-ids',
      'A-1,A-2',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const copy = await readFile(
      path.join(f.project, 'test', 'samples', 'orders-out.pop.xml'),
      'utf8',
    );
    assert.match(copy, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
    assert.ok(copy.includes('{"n":"café"}'), copy);
    const test = await readFile(path.join(f.project, 'test', 'orders-out.test.ts'), 'utf8');
    assert.match(test, /const SAMPLE_IDS: readonly string\[\] = \["A-1","A-2"\];/);
  });
});
