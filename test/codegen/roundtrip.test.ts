/**
 * Round trips: node-soap's server serves a corpus WSDL on loopback and the generated client calls
 * it; request and response values arrive typed and equal. Covers rpc/literal, document/literal
 * wrapped, attributes with a numeric simple type, a SOAP fault and a deadline.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { generate } from '../../codegen/index.js';
import { SoapCallError, SoapFaultError } from '../../soap-client/index.js';
import { REPO_ROOT } from '../support/cli.js';
import { serve } from './soap-server.js';
import { corpusDir, tempDir, typeCheck } from './support.js';

const WSDLS = {
  vies: 'eu-vies-checkvat/checkVatService.wsdl',
  rpc: 'cxf-rpc-lit/hello_world_rpc_lit.wsdl',
  attrs: 'nodesoap-restriction-attributes/wsdl_with_restriction_attributes.wsdl',
  soap12: 'cxf-soap12/hello_world_soap12.wsdl',
  wsdl20: 'axis2-wsdl20-hotel/HotelReservationService.wsdl',
} as const;

let dir = '';
let cleanup: () => Promise<void> = () => Promise.resolve();

before(async () => {
  ({ dir, cleanup } = await tempDir('roundtrip'));
  // Generated code imports its runtime from the source tree here (a consumer uses
  // `aes-endpoint-server/soap-client`).
  const runtime = path.relative(
    path.join(dir, 'x'),
    path.join(REPO_ROOT, 'soap-client', 'index.js'),
  );
  writeFileSync(path.join(dir, 'lists.wsdl'), LISTS_WSDL);
  await generate(
    [...Object.values(WSDLS).map((w) => path.join(corpusDir(), w)), path.join(dir, 'lists.wsdl')],
    { out: dir, runtimeModule: runtime.split(path.sep).join('/') },
  );
});

/** Repeated elements, one of them reached through an element ref: node-soap needs help there. */
const LISTS_WSDL = `<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:lists" targetNamespace="urn:lists">
  <types>
    <xsd:schema targetNamespace="urn:lists" elementFormDefault="qualified">
      <xsd:element name="line">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="sku" type="xsd:string"/>
          <xsd:element name="qty" type="xsd:int"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="getOrder"><xsd:complexType><xsd:sequence>
        <xsd:element name="id" type="xsd:string"/>
      </xsd:sequence></xsd:complexType></xsd:element>
      <xsd:element name="getOrderResponse"><xsd:complexType><xsd:sequence>
        <xsd:element ref="tns:line" maxOccurs="unbounded"/>
        <xsd:element name="note" type="xsd:string" minOccurs="0" maxOccurs="unbounded"/>
      </xsd:sequence></xsd:complexType></xsd:element>
    </xsd:schema>
  </types>
  <message name="getOrderIn"><part name="parameters" element="tns:getOrder"/></message>
  <message name="getOrderOut"><part name="parameters" element="tns:getOrderResponse"/></message>
  <portType name="Orders"><operation name="getOrder"><input message="tns:getOrderIn"/><output message="tns:getOrderOut"/></operation></portType>
  <binding name="OrdersSoap" type="tns:Orders">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="getOrder"><soap:operation soapAction="getOrder"/>
      <input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>
  <service name="OrderService"><port name="OrdersPort" binding="tns:OrdersSoap"><soap:address location="http://localhost/orders"/></port></service>
</definitions>
`;

after(async () => {
  await cleanup();
});

async function load<T>(folder: string): Promise<T> {
  return (await import(pathToFileURL(path.join(dir, folder, 'client.generated.ts')).href)) as T;
}

type Method = (input: unknown, options?: { timeoutMs?: number }) => Promise<unknown>;
type ClientModule<K extends string, M extends string> = Record<
  K,
  { create(options: { endpoint: string; timeoutMs?: number }): Promise<Record<M, Method>> }
>;

test('document/literal wrapped (EU VIES checkVat): typed request and response round trip', async () => {
  let received: unknown;
  const served = await serve(WSDLS.vies, '/vies', {
    checkVatService: {
      checkVatPort: {
        checkVat: (args: { countryCode: string; vatNumber: string }) => {
          received = args;
          return {
            countryCode: args.countryCode,
            vatNumber: args.vatNumber,
            requestDate: '2024-01-02+01:00',
            valid: true,
            name: 'ACME GmbH',
            address: 'Hauptstr. 1',
          };
        },
      },
    },
  });
  try {
    const mod = await load<ClientModule<'CheckVatPortClient', 'checkVat'>>('checkvatservice');
    const client = await mod.CheckVatPortClient.create({ endpoint: served.url });
    const result = await client.checkVat({ countryCode: 'DE', vatNumber: '123456789' });
    assert.deepEqual(received, { countryCode: 'DE', vatNumber: '123456789' });
    assert.deepEqual(result, {
      countryCode: 'DE',
      vatNumber: '123456789',
      requestDate: '2024-01-02+01:00',
      valid: true,
      name: 'ACME GmbH',
      address: 'Hauptstr. 1',
    });
  } finally {
    await served.close();
  }
});

test('rpc/literal (CXF): struct with an int part round trips as a number; a call without parts', async () => {
  const served = await serve(WSDLS.rpc, '/rpc', {
    SOAPServiceRPCLit: {
      SoapPortRPCLit: {
        sendReceiveData: (args: { in: unknown }) => ({ out: args.in }),
        greetMe: (args: { in: string }) => ({ out: `Hello ${args.in}` }),
        sayHi: () => ({ out: 'hi' }),
      },
    },
  });
  try {
    const mod =
      await load<ClientModule<'SoapPortRPCLitClient', 'sendReceiveData' | 'greetMe' | 'sayHi'>>(
        'hello_world_rpc_lit',
      );
    const client = await mod.SoapPortRPCLitClient.create({ endpoint: served.url });
    const struct = { elem1: 'one', elem2: 'two', elem3: 42 };
    assert.deepEqual(await client.sendReceiveData({ in: struct }), { out: struct });
    assert.deepEqual(await client.greetMe({ in: 'aes' }), { out: 'Hello aes' });
    // node-soap writes an rpc request without parts only from null arguments.
    assert.deepEqual(await client.sayHi({}), { out: 'hi' });
  } finally {
    await served.close();
  }
});

test('an empty response element arrives as {} (node-soap parses it as null), never null', async () => {
  const served = await serve(WSDLS.vies, '/vies-empty', {
    checkVatService: { checkVatPort: { checkVat: () => ({}) } },
  });
  try {
    const mod = await load<ClientModule<'CheckVatPortClient', 'checkVat'>>('checkvatservice');
    const client = await mod.CheckVatPortClient.create({ endpoint: served.url });
    assert.deepEqual(await client.checkVat({ countryCode: 'DE', vatNumber: '1' }), {});
  } finally {
    await served.close();
  }
});

test('attributes and a numeric simple type (restriction of xsd:int) arrive typed', async () => {
  const person = {
    attributes: { id: 'p-1' },
    Name: 'Ann',
    Age: 33,
    ObjectDetails: { attributes: { id: 'o-1', type: '-500020' } },
  };
  const served = await serve(WSDLS.attrs, '/attrs', {
    SampleService: { SamplePort: { GetPerson: () => person } },
  });
  try {
    const mod = await load<ClientModule<'SamplePortClient', 'getPerson'>>(
      'wsdl_with_restriction_attributes',
    );
    const client = await mod.SamplePortClient.create({ endpoint: served.url });
    assert.deepEqual(await client.getPerson('p-1'), person);
  } finally {
    await served.close();
  }
});

test('a SOAP fault surfaces as SoapFaultError carrying the fault; a silent server hits the deadline', async () => {
  const served = await serve(WSDLS.vies, '/fault', {
    checkVatService: {
      checkVatPort: {
        checkVat: () => {
          // node-soap's server answers a thrown `{ Fault }` object with that SOAP fault.
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw {
            Fault: {
              faultcode: 'soap:Client',
              faultstring: 'INVALID_INPUT',
              detail: { reason: 'bad country' },
            },
          };
        },
        checkVatApprox: () => new Promise(() => undefined),
      },
    },
  });
  try {
    const mod =
      await load<ClientModule<'CheckVatPortClient', 'checkVat' | 'checkVatApprox'>>(
        'checkvatservice',
      );
    const client = await mod.CheckVatPortClient.create({ endpoint: served.url });
    await assert.rejects(client.checkVat({ countryCode: 'XX', vatNumber: '1' }), (err: unknown) => {
      assert.ok(err instanceof SoapFaultError, String(err));
      assert.equal(err.code, 'SOAP_FAULT');
      assert.equal(err.fault.code, 'soap:Client');
      assert.equal(err.fault.reason, 'INVALID_INPUT');
      assert.deepEqual(err.fault.detail, { reason: 'bad country' });
      return true;
    });
    await assert.rejects(
      client.checkVatApprox({ countryCode: 'DE', vatNumber: '1' }, { timeoutMs: 300 }),
      (err: unknown) => {
        assert.ok(err instanceof SoapCallError, String(err));
        assert.equal(err.code, 'SOAP_TIMEOUT');
        return true;
      },
    );
  } finally {
    await served.close();
  }
});

test('repeated elements arrive as arrays even with one occurrence, their numbers typed', async () => {
  const served = await serve(path.join(dir, 'lists.wsdl'), '/lists', {
    OrderService: {
      OrdersPort: {
        getOrder: (args: { id: string }) =>
          args.id === 'one'
            ? { line: [{ sku: 'A-1', qty: 3 }], note: ['fragile'] }
            : {
                line: [
                  { sku: 'A-1', qty: 3 },
                  { sku: 'B-2', qty: 10 },
                ],
              },
      },
    },
  });
  try {
    const mod = await load<ClientModule<'OrdersPortClient', 'getOrder'>>('lists');
    const client = await mod.OrdersPortClient.create({ endpoint: served.url });
    assert.deepEqual(await client.getOrder({ id: 'one' }), {
      line: [{ sku: 'A-1', qty: 3 }],
      note: ['fragile'],
    });
    assert.deepEqual(await client.getOrder({ id: 'two' }), {
      line: [
        { sku: 'A-1', qty: 3 },
        { sku: 'B-2', qty: 10 },
      ],
    });
  } finally {
    await served.close();
  }
});

test('WSDL 2.0: the client runs on the generated WSDL 1.1 equivalent', async () => {
  let received: unknown;
  const served = await serve(
    path.join(dir, 'hotelreservationservice', 'wsdl11.generated.wsdl'),
    '/hotel',
    {
      reservationService: {
        reservationEndpoint: {
          opCheckAvailability: (args: unknown) => {
            received = args;
            return 120.5;
          },
        },
      },
    },
  );
  try {
    const mod =
      await load<ClientModule<'ReservationEndpointClient', 'opCheckAvailability'>>(
        'hotelreservationservice',
      );
    const client = await mod.ReservationEndpointClient.create({ endpoint: served.url });
    const request = { checkInDate: '2024-05-01', checkOutDate: '2024-05-03', roomType: 'double' };
    assert.equal(await client.opCheckAvailability(request), 120.5);
    assert.deepEqual(received, request);
  } finally {
    await served.close();
  }
});

test('SOAP 1.2 binding: the client speaks SOAP 1.2 and sends WS-Security when configured', async () => {
  let security: unknown;
  const served = await serve(WSDLS.soap12, '/soap12', {
    SOAPService: {
      SoapPort: {
        sayHi: (_args: unknown, _cb: unknown, headers: unknown) => {
          security = headers;
          return { responseType: 'hi over 1.2' };
        },
        pingMe: () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw {
            Fault: {
              Code: { Value: 'soap:Sender' },
              Reason: { Text: 'ping refused' },
              Detail: { faultDetail: { minor: 1, major: 2 } },
            },
          };
        },
      },
    },
  });
  try {
    const mod = await load<
      ClientModule<'SoapPortClient', 'sayHi' | 'pingMe'> & {
        SoapPortClient: {
          isFault(
            err: unknown,
            op: 'pingMe',
          ): err is SoapFaultError<{ faultDetail: { minor: number; major: number } }>;
        };
      }
    >('hello_world_soap12');
    const client = (await mod.SoapPortClient.create({
      endpoint: served.url,
      security: { kind: 'ws-security', username: 'alice', password: 's3cret' },
    } as { endpoint: string })) as Record<'sayHi' | 'pingMe', Method> & {
      soapClient: {
        lastRequestHeaders?: Record<string, string>;
        on(e: 'request', f: () => void): void;
      };
    };
    assert.deepEqual(await client.sayHi({}), { responseType: 'hi over 1.2' });
    const contentType = String(client.soapClient.lastRequestHeaders?.['Content-Type'] ?? '');
    assert.match(contentType, /application\/soap\+xml/);
    assert.match(JSON.stringify(security), /"Username":"alice"/);
    const fault: unknown = await client.pingMe({}).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(mod.SoapPortClient.isFault(fault, 'pingMe'), String(fault));
    assert.equal(fault.fault.reason, 'ping refused');
    // The declared fault element arrives typed: `short` values as numbers.
    assert.deepEqual(fault.fault.detail, { faultDetail: { minor: 1, major: 2 } });
  } finally {
    await served.close();
  }
});

test('the generated clients are typed: correct use compiles, a wrong field does not', () => {
  const good = path.join(dir, 'use-good.ts');
  const bad = path.join(dir, 'use-bad.ts');
  writeFileSync(
    good,
    [
      "import { CheckVatPortClient } from './checkvatservice/client.generated.js';",
      "import { SoapPortRPCLitClient } from './hello_world_rpc_lit/client.generated.js';",
      'export async function use(): Promise<[boolean, number, string | undefined]> {',
      "  const vies = await CheckVatPortClient.create({ endpoint: 'http://127.0.0.1:1/x', timeoutMs: 10 });",
      "  const r = await vies.checkVat({ countryCode: 'DE', vatNumber: '1' });",
      '  const rpc = await SoapPortRPCLitClient.create();',
      "  const d = await rpc.sendReceiveData({ in: { elem1: 'a', elem2: 'b', elem3: 1 } });",
      '  return [r.valid, d.out.elem3, r.name ?? undefined];',
      '}',
      '',
    ].join('\n'),
  );
  writeFileSync(
    bad,
    [
      "import { CheckVatPortClient } from './checkvatservice/client.generated.js';",
      'export async function use(): Promise<void> {',
      '  const vies = await CheckVatPortClient.create();',
      "  await vies.checkVat({ countryCode: 'DE', vatNumbr: '1' });",
      '}',
      '',
    ].join('\n'),
  );
  // The usage sample of docs/codegen.md compiles against the generated client too.
  const docs = readFileSync(path.join(REPO_ROOT, 'docs', 'codegen.md'), 'utf8');
  const sample = /```ts\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
  assert.match(sample, /CheckVatPortClient/);
  const docSample = path.join(dir, 'doc-sample.ts');
  writeFileSync(docSample, `${sample.replace('./generated/', './')}export {};\n`);
  // Runtime imports in these generated files point at the source tree, like the runtime above.
  const diagnostics = typeCheck(dir, [good, bad, docSample]);
  assert.deepEqual(diagnostics.get('(global)') ?? [], []);
  assert.deepEqual(diagnostics.get(good) ?? [], []);
  assert.deepEqual(diagnostics.get(docSample) ?? [], []);
  const badErrors = (diagnostics.get(bad) ?? []).join('\n');
  assert.match(badErrors, /vatNumbr/);
});
