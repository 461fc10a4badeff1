/**
 * `aes mock` serves WSDL 2.0: node-soap's server runs on the document's WSDL 1.1 equivalent, the
 * endpoint's `wsdlUrl` (and `<port url>?wsdl`) give that equivalent with addresses pointing at the
 * mock, and the original WSDL 2.0 document is served beside its imports with its endpoint addresses
 * pointing there too. Calls come from node-soap's client made from `wsdlUrl`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CodegenError } from '../../codegen/index.js';
import { MockError, startMock } from '../../mock/index.js';
import { REPO_ROOT } from '../support/cli.js';
import { clientOf, corpusDir, faultOf } from './support.js';

const HOTEL = (): string =>
  path.join(corpusDir(), 'axis2-wsdl20-hotel/HotelReservationService.wsdl');
const ORDERS = path.join(REPO_ROOT, 'test', 'codegen', 'fixtures', 'wsdl20', 'orders.wsdl');

async function text(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200, url);
  return res.text();
}

describe('aes mock serves WSDL 2.0', () => {
  it('the hotel service (corpus, draft namespaces, SOAP 1.2): sample and scripted answers, a fault, the WSDLs', async () => {
    await using mock = await startMock(HOTEL(), {
      script: {
        json: {
          operations: {
            opCheckAvailability: {
              responses: [
                { response: '99.5' },
                {
                  fault: { code: 'Sender', string: 'no rooms', detail: { invalidDataError: 'x' } },
                },
              ],
              afterLast: 'sample',
            },
          },
        },
      },
    });
    const [ep] = mock.endpoints;
    assert.ok(ep !== undefined);
    assert.equal(mock.endpoints.length, 1);
    assert.deepEqual(
      [ep.service, ep.port, ep.soapVersion, ep.operations],
      ['reservationService', 'reservationEndpoint', '1.2', ['opCheckAvailability']],
    );
    assert.equal(ep.url, `${mock.url}/reservationService/reservationEndpoint`);
    assert.equal(ep.wsdlUrl, `${mock.url}/_aes/mock/wsdl/HotelReservationService.wsdl11.wsdl`);
    const wsdl11 = await text(ep.wsdlUrl);
    assert.match(
      wsdl11,
      /^<!--[^]*-->\n<definitions xmlns="http:\/\/schemas\.xmlsoap\.org\/wsdl\/"/,
    );
    assert.ok(wsdl11.includes(`<soap12:address location="${ep.url}"/>`), wsdl11);
    assert.equal(await text(`${ep.url}?wsdl`), wsdl11);
    const original = await text(`${mock.url}/_aes/mock/wsdl/HotelReservationService.wsdl`);
    assert.match(original, /<description\s+xmlns="http:\/\/www\.w3\.org\/ns\/wsdl"/);
    assert.match(original, new RegExp(`address ="${ep.url}"`));

    const { call } = await clientOf(ep);
    const request = { checkInDate: '2024-05-01', checkOutDate: '2024-05-03', roomType: 'double' };
    assert.equal(await call('opCheckAvailability', request), 99.5);
    await assert.rejects(call('opCheckAvailability', request), (err: unknown) => {
      const fault = faultOf(err) as { Code?: { Value?: string }; Reason?: { Text?: string } };
      assert.equal(fault.Code?.Value, 'soap:Sender');
      assert.equal(fault.Reason?.Text, 'no rooms');
      return true;
    });
    // Then the sample: an xs:double.
    assert.equal(typeof (await call('opCheckAvailability', request)), 'number');
    const state = mock.state();
    assert.equal(state.calls['opCheckAvailability'], 3);
  });

  it('a WSDL 2.0 over three files: both SOAP ports and the imported one, relative imports via wsdlUrl, the HTTP port noted', async () => {
    await using mock = await startMock(ORDERS);
    assert.deepEqual(
      mock.endpoints.map((e) => `${e.service}/${e.port} ${e.soapVersion}`),
      [
        'OrderService/Soap11Endpoint 1.1',
        'OrderService/Soap12Endpoint 1.2',
        'BaseService/BaseEndpoint 1.2',
      ],
    );
    assert.deepEqual(mock.notes, [
      "port OrderService/HttpEndpoint not served: binding 'HttpBinding' is not SOAP (HTTP or MIME only)",
    ]);
    // The schema imported straight under WSDL 2.0 types is served beside the documents.
    assert.match(await text(`${mock.url}/_aes/mock/wsdl/orders-types.xsd`), /name="Order"/);
    for (const ep of mock.endpoints) {
      const { call } = await clientOf(ep);
      const pong = (await call('ping', { echo: 'x' })) as Record<string, unknown>;
      assert.deepEqual(Object.keys(pong), ['echo', 'at', 'healthy']);
      assert.equal(typeof pong['healthy'], 'boolean');
      if (ep.service !== 'OrderService') continue;
      const { order } = (await call('getOrder', { id: 'o-1' })) as {
        order: { quantity: unknown; line: unknown };
      };
      assert.equal(typeof order.quantity, 'number');
      assert.ok(Array.isArray(order.line));
      await call('logEvent', { text: 'hello' });
    }
    assert.equal(mock.state().calls['ping'], 3);
    assert.equal(mock.state().calls['logEvent'], 2);
  });
});

describe('WSDL 2.0 the mock cannot serve', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(REPO_ROOT, '.tmp', 'mock-wsdl20-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const doc = (binding: string, op: string): string => `<?xml version="1.0"?>
<description xmlns="http://www.w3.org/ns/wsdl" xmlns:tns="urn:t" xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t">
  <types><xs:schema targetNamespace="urn:t"><xs:element name="e" type="xs:string"/></xs:schema></types>
  <interface name="I">${op}</interface>
  <binding name="B" interface="tns:I" type="${binding}"/>
  <service name="S" interface="tns:I"><endpoint name="P" binding="tns:B" address="http://localhost/p"/></service>
</description>
`;

  it('refuses an HTTP-only WSDL 2.0 (MOCK_UNSERVABLE) and an out-only operation (WSDL_UNSUPPORTED)', async () => {
    const http = path.join(dir, 'http.wsdl');
    await writeFile(
      http,
      doc(
        'http://www.w3.org/ns/wsdl/http',
        '<operation name="get"><input element="tns:e"/><output element="tns:e"/></operation>',
      ),
    );
    await assert.rejects(
      startMock(http),
      (err: unknown) =>
        err instanceof MockError && err.code === 'MOCK_UNSERVABLE' && /not SOAP/.test(err.message),
    );
    const outOnly = path.join(dir, 'out-only.wsdl');
    await writeFile(
      outOnly,
      doc(
        'http://www.w3.org/ns/wsdl/soap',
        '<operation name="notify" pattern="http://www.w3.org/ns/wsdl/out-only"><output element="tns:e"/></operation>',
      ),
    );
    await assert.rejects(
      startMock(outOnly),
      (err: unknown) =>
        err instanceof CodegenError &&
        err.code === 'WSDL_UNSUPPORTED' &&
        /out-only\.wsdl:4:\d+: operation 'notify'/.test(err.message),
    );
  });
});
