/** Script files: validation errors that name the file, JSON path and operation; sequences, faults and delays on the wire. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_REQUEST_BYTES } from '../../mock/server.js';
import { MockError, startMock } from '../../mock/index.js';
import { REPO_ROOT } from '../support/cli.js';
import { clientOf, corpusDir, faultOf, SOURCE_WSDL, TARGET_WSDL } from './support.js';

const SOAP12 = (): string => path.join(corpusDir(), 'cxf-soap12/hello_world_soap12.wsdl');

describe('script validation', () => {
  let dir = '';
  before(async () => {
    await mkdir(path.join(REPO_ROOT, '.tmp'), { recursive: true });
    dir = await mkdtemp(path.join(REPO_ROOT, '.tmp', 'mock-script-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const rejects = async (
    json: unknown,
    pattern: RegExp,
    code = 'MOCK_SCRIPT_INVALID',
  ): Promise<void> => {
    const file = path.join(dir, 'script.json');
    await writeFile(file, typeof json === 'string' ? json : JSON.stringify(json));
    await assert.rejects(startMock(SOURCE_WSDL, { script: file }), (err: unknown) => {
      assert.ok(err instanceof MockError);
      assert.equal(err.code, code);
      assert.ok(err.message.startsWith(file), err.message);
      assert.match(err.message, pattern);
      return true;
    });
  };

  it('names an operation the WSDL lacks and lists those it has', () =>
    rejects(
      { operations: { Popp: { response: {} } } },
      /\$\.operations\.Popp: operation 'Popp' is not in the WSDL \(it has: Build, Pop, Popped\)/,
    ));
  it('names the JSON path of a bad value', () =>
    rejects(
      { operations: { Pop: { responses: [{ delayMs: -1 }] } } },
      /\$\.operations\.Pop\.responses\[0\]\.delayMs: expected an integer/,
    ));
  it('names an unknown key', () =>
    rejects({ fifo: { pop: {}, popped: {}, extra: 1 } }, /\$\.fifo\.extra: unknown key 'extra'/));
  it('checks FIFO operations', () =>
    rejects(
      {
        fifo: {
          pop: { operation: 'Nope', idField: 'id' },
          popped: { operation: 'Popped', idField: 'id' },
        },
      },
      /\$\.fifo\.pop\.operation: operation 'Nope' is not in the WSDL/,
    ));
  it('refuses an operation scripted twice', () =>
    rejects(
      { operations: { Pop: {} }, put: { operation: 'Pop' } },
      /\$\.put: operation 'Pop' is already scripted at \$\.operations\.Pop/,
    ));
  it('refuses a fault without a string', () =>
    rejects(
      { operations: { Build: { fault: { code: 'Server' } } } },
      /\$\.operations\.Build\.fault\.string: expected a non-empty string/,
    ));
  it('reports JSON syntax errors', () =>
    rejects('{ "operations": ', /not valid JSON/, 'MOCK_SCRIPT_READ'));
});

describe('scripted answers on the wire', () => {
  it('answers a sequence, then repeats or cycles; SOAP 1.2 faults carry code, reason and detail', async () => {
    await using mock = await startMock(SOAP12(), {
      script: {
        json: {
          operations: {
            sayHi: {
              responses: [
                { response: { responseType: 'first' } },
                { fault: { code: 'Sender', string: 'bad hi', detail: { why: 'scripted' } } },
                { response: { responseType: 'third' }, delayMs: 150 },
              ],
              afterLast: 'cycle',
            },
          },
        },
      },
    });
    const [ep] = mock.endpoints;
    assert.ok(ep && ep.soapVersion === '1.2');
    const { call } = await clientOf(ep);
    assert.deepEqual(await call('sayHi', {}), { responseType: 'first' });
    await assert.rejects(call('sayHi', {}), (err: unknown) => {
      const fault = faultOf(err) as {
        Code?: { Value?: string };
        Reason?: { Text?: string };
        Detail?: unknown;
      };
      assert.equal(fault.Code?.Value, 'soap:Sender');
      assert.equal(fault.Reason?.Text, 'bad hi');
      assert.deepEqual(fault.Detail, { why: 'scripted' });
      return true;
    });
    const started = performance.now();
    assert.deepEqual(await call('sayHi', {}), { responseType: 'third' });
    assert.ok(performance.now() - started >= 140, 'the scripted delay was applied');
    assert.deepEqual(await call('sayHi', {}), { responseType: 'first' });
    assert.equal(mock.state().calls['sayHi'], 4);
    assert.equal(mock.state().faults['sayHi'], 1);
  });

  it('answers garbage with an error and stays up; 404 lists the ports', async () => {
    await using mock = await startMock(SOURCE_WSDL);
    const [ep] = mock.endpoints;
    assert.ok(ep);
    const res = await fetch(ep.url, {
      method: 'POST',
      body: '<not xml',
      headers: { 'content-type': 'text/xml' },
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res.status, 500);
    await res.text();
    const { call } = await clientOf(ep);
    const r = (await call('Popped', { id: 1 })) as Record<string, unknown>;
    assert.ok(['OK', 'EMPTY'].includes(String(r['status'])));
    const missing = await fetch(`${mock.url}/nope`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /SourceService\/SourcePort/);
  });

  it('refuses HTTP-only WSDLs, and unknown --service / --port-name', async () => {
    await assert.rejects(
      startMock(path.join(corpusDir(), 'zeep-http-binding/http.wsdl')),
      (err: unknown) =>
        err instanceof MockError && err.code === 'MOCK_UNSERVABLE' && /not SOAP/.test(err.message),
    );
    await assert.rejects(
      startMock(SOURCE_WSDL, { service: 'X' }),
      (err: unknown) =>
        err instanceof MockError &&
        err.code === 'MOCK_USAGE' &&
        /it has: SourceService/.test(err.message),
    );
    await assert.rejects(
      startMock(SOURCE_WSDL, { portName: 'X' }),
      (err: unknown) =>
        err instanceof MockError &&
        err.code === 'MOCK_USAGE' &&
        /SourceService\/SourcePort/.test(err.message),
    );
  });

  it('serves the HTTP port of a mixed WSDL as a note and the SOAP 1.1 and 1.2 ports', async () => {
    await using mock = await startMock(
      path.join(corpusDir(), 'axis2-complex-data-types/ComplexDataTypes.wsdl'),
    );
    assert.deepEqual(mock.endpoints.map((e) => e.soapVersion).sort(), ['1.1', '1.2']);
    assert.ok(
      mock.notes.some((n) => /not SOAP/.test(n)),
      mock.notes.join('\n'),
    );
  });
});

describe('imports, ids inside JSON, limits', () => {
  let dir = '';
  before(async () => {
    await mkdir(path.join(REPO_ROOT, '.tmp'), { recursive: true });
    dir = await mkdtemp(path.join(REPO_ROOT, '.tmp', 'mock-map-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a remote import through --map (model and node-soap alike)', async () => {
    await writeFile(
      path.join(dir, 'types.xsd'),
      `<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:remote" elementFormDefault="qualified">
  <xsd:element name="LookupResponse"><xsd:complexType><xsd:sequence>
    <xsd:element name="code"><xsd:simpleType><xsd:restriction base="xsd:string">
      <xsd:enumeration value="MAPPED"/></xsd:restriction></xsd:simpleType></xsd:element>
  </xsd:sequence></xsd:complexType></xsd:element>
  <xsd:element name="Lookup"><xsd:complexType><xsd:sequence/></xsd:complexType></xsd:element>
</xsd:schema>`,
    );
    const wsdl = path.join(dir, 'remote.wsdl');
    await writeFile(
      wsdl,
      `<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:r="urn:remote" xmlns:tns="urn:svc" targetNamespace="urn:svc">
  <types><xsd:schema targetNamespace="urn:svc">
    <xsd:import namespace="urn:remote" schemaLocation="http://schemas.example.com/v1/types.xsd"/>
  </xsd:schema></types>
  <message name="In"><part name="p" element="r:Lookup"/></message>
  <message name="Out"><part name="p" element="r:LookupResponse"/></message>
  <portType name="PT"><operation name="Lookup"><input message="tns:In"/><output message="tns:Out"/></operation></portType>
  <binding name="B" type="tns:PT"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Lookup"><soap:operation soapAction="Lookup"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>
  <service name="S"><port name="P" binding="tns:B"><soap:address location="http://localhost/x"/></port></service>
</definitions>`,
    );
    await using mock = await startMock(wsdl, {
      map: { 'http://schemas.example.com/v1/': dir + path.sep },
    });
    const [ep] = mock.endpoints;
    assert.ok(ep);
    const res = await fetch(ep.url, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', soapaction: '"Lookup"' },
      body: '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><r:Lookup xmlns:r="urn:remote"/></s:Body></s:Envelope>',
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.match(text, /<(\w+:)?code>MAPPED<\/(\w+:)?code>/);
    assert.match(text, /xmlns(:\w+)?="urn:remote"/);
  });

  it('finds the put id inside a JSON string part', async () => {
    await using mock = await startMock(TARGET_WSDL, {
      script: { json: { put: { operation: 'Put', idField: 'record.order.id' } } },
    });
    const [ep] = mock.endpoints;
    assert.ok(ep);
    const { call } = await clientOf(ep);
    await call('Put', { messageId: 'm1', record: JSON.stringify({ order: { id: 42 } }) });
    await call('Put', { messageId: 'm2', record: JSON.stringify({ order: { id: 42 } }) });
    assert.deepEqual(mock.state().put?.ids, ['42']);
    assert.deepEqual(mock.state().put?.duplicates, ['42']);
  });

  it('answers 413 to a body over the limit and stays up', async () => {
    await using mock = await startMock(SOURCE_WSDL);
    const [ep] = mock.endpoints;
    assert.ok(ep);
    const big = Buffer.alloc(MAX_REQUEST_BYTES + 1024, 0x20);
    const status = await fetch(ep.url, {
      method: 'POST',
      body: big,
      signal: AbortSignal.timeout(30_000),
    }).then(
      async (r) => {
        await r.text();
        return r.status;
      },
      () => -1, // a failed request is a failure too
    );
    assert.equal(status, 413);
    const after = await fetch(`${ep.url}?wsdl`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(after.status, 200);
    await after.text();
  });
});
