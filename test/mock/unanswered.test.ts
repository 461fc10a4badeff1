/**
 * A well-formed request the port has no operation for gets a SOAP fault naming what its body
 * holds and the port's operations (node-soap alone answers with its internal TypeError), in the
 * port's SOAP version; the mock goes on serving.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { startMock } from '../../mock/index.js';
import { clientOf, corpusDir, SOURCE_WSDL } from './support.js';

async function post(
  url: string,
  body: string,
  contentType: string,
): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text: await res.text(),
  };
}

test('SOAP 1.1: an unknown body element is a Client fault naming it and the operations', async () => {
  await using mock = await startMock(SOURCE_WSDL);
  const [ep] = mock.endpoints;
  assert.ok(ep);
  const answer = await post(
    ep.url,
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><Nope xmlns="urn:x"/></soap:Body></soap:Envelope>',
    'text/xml; charset=utf-8',
  );
  assert.equal(answer.status, 500);
  assert.match(answer.type, /^text\/xml/);
  assert.match(answer.text, /<faultcode>soap:Client<\/faultcode>/);
  assert.match(
    answer.text,
    /no answer on port \/SourceService\/SourcePort: the request's body holds &lt;\{urn:x\}Nope&gt;, which is no operation's; its operations: Pop, Popped, Build \(node-soap: /,
  );
  // Still serving, and the answer above did not count as a call.
  const { call } = await clientOf(ep);
  assert.equal(typeof ((await call('Pop', {})) as Record<string, unknown>)['status'], 'string');
  assert.deepEqual(mock.state().calls, { Pop: 1 });
});

test('SOAP 1.2: the same as a Sender fault in a 1.2 envelope', async () => {
  await using mock = await startMock(path.join(corpusDir(), 'cxf-soap12/hello_world_soap12.wsdl'));
  const ep = mock.endpoints.find((e) => e.soapVersion === '1.2');
  assert.ok(ep, 'a SOAP 1.2 port');
  const answer = await post(
    ep.url,
    '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><Nope/></env:Body></env:Envelope>',
    'application/soap+xml; charset=utf-8',
  );
  assert.equal(answer.status, 400);
  assert.match(answer.type, /^application\/soap\+xml/);
  assert.match(answer.text, /xmlns:soap="http:\/\/www\.w3\.org\/2003\/05\/soap-envelope"/);
  assert.match(answer.text, /<soap:Value>soap:Sender<\/soap:Value>/);
  assert.match(
    answer.text,
    /the request's body holds &lt;Nope&gt;, which is no operation's; its operations: .*\(node-soap: TypeError: Cannot read properties of undefined/,
  );
});
