/**
 * Round trips in the rpc styles: node-soap's server serves rpc/encoded and rpc/literal WSDLs (three
 * from the corpus, and test/codegen/fixtures/rpc-whitespace-names.wsdl, modelled on a real WSDL
 * whose part names carry whitespace) on loopback, and the generated clients call them. Encoded
 * answers are written the way encoded servers write them, every value with its `xsi:type` and
 * arrays as `soapenc:Array` of item elements, and handed to node-soap's server as raw XML (its own
 * serializer writes no SOAP encoding). Each result must have exactly the keys and the run-time
 * types that its generated type declares, and code reading it by those types must compile.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { generate } from '../../codegen/index.js';
import { REPO_ROOT } from '../support/cli.js';
import { serve, serveReplies } from './soap-server.js';
import { corpusDir, tempDir, typeCheck } from './support.js';

const WSDLS = {
  interop: 'axis2-interop-rpc-encoded/InteropTest.wsdl',
  noaa: 'noaa-ndfd/ndfdXML.wsdl',
  rpc12: 'nodesoap-rpcexample/rpcexample.wsdl',
} as const;
const FIXTURE = path.join(REPO_ROOT, 'test', 'codegen', 'fixtures', 'rpc-whitespace-names.wsdl');

let dir = '';
let cleanup: () => Promise<void> = () => Promise.resolve();

before(async () => {
  ({ dir, cleanup } = await tempDir('rpc-roundtrip'));
  const runtime = path.relative(
    path.join(dir, 'x'),
    path.join(REPO_ROOT, 'soap-client', 'index.js'),
  );
  await generate([...Object.values(WSDLS).map((w) => path.join(corpusDir(), w)), FIXTURE], {
    out: dir,
    runtimeModule: runtime.split(path.sep).join('/'),
  });
});

after(async () => {
  await cleanup();
});

type Method = (input: unknown) => Promise<unknown>;

async function client<M extends string>(
  folder: string,
  className: string,
  endpoint: string,
): Promise<Record<M, Method>> {
  const mod = (await import(
    pathToFileURL(path.join(dir, folder, 'client.generated.ts')).href
  )) as Record<string, { create(options: { endpoint: string }): Promise<Record<M, Method>> }>;
  const ctor = mod[className];
  assert.ok(ctor !== undefined, `${folder} exports no ${className}`);
  return ctor.create({ endpoint });
}

/** The run-time type of every leaf, by path: what the generated type must describe. */
function typesOf(value: unknown, at = ''): Record<string, string> {
  if (value === null || typeof value !== 'object')
    return { [at]: value === null ? 'null' : typeof value };
  const out: Record<string, string> = { [at]: Array.isArray(value) ? 'array' : 'object' };
  for (const [k, v] of Object.entries(value)) Object.assign(out, typesOf(v, `${at}/${k}`));
  return out;
}

/**
 * Calls each case's operation and checks its result: the same keys and the same run-time type at
 * every path as expected (no `attributes`, no `{ $value }` wrapper), and equal.
 */
async function expectResults<C extends Record<string, (input: never) => Promise<unknown>>>(
  client: C,
  cases: readonly (readonly [keyof C & string, unknown, unknown])[],
): Promise<void> {
  for (const [op, input, expected] of cases) {
    const call = client[op] as unknown as (input: unknown) => Promise<unknown>;
    const result = await call.call(client, input);
    assert.deepEqual(typesOf(result), typesOf(expected), op);
    assert.deepEqual(result, expected, op);
  }
}

const NS =
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"';
const ENC11 = `${NS} xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/"`;

/** One value as an encoded server writes it: `<name xsi:type="xsd:type">text</name>`. */
function typed(name: string, type: string, text: string): string {
  return text === ''
    ? `<${name} ${NS} xsi:type="xsd:${type}"/>`
    : `<${name} ${NS} xsi:type="xsd:${type}">${text}</${name}>`;
}

/** Raw XML for node-soap's server to put inside the response element. */
function encoded(...parts: string[]): { $xml: string } {
  return { $xml: parts.join('') };
}

const STRUCT = (name: string, s: string, i: string, f: string): string =>
  `<${name} ${ENC11} xmlns:ns="http://soapinterop.org/xsd" xsi:type="ns:SOAPStruct">${typed('varString', 'string', s)}${typed('varInt', 'int', i)}${typed('varFloat', 'float', f)}</${name}>`;

test('rpc/encoded (SOAPBuilders interop): xsi:type-typed values arrive as their declared types', async () => {
  const served = await serve(
    WSDLS.interop,
    '/interop',
    {
      InteropTestService: {
        echo: {
          echoInteger: () => encoded(typed('return', 'int', '85')),
          echoFloat: () => encoded(typed('return', 'float', 'INF')),
          echoBoolean: () => encoded(typed('return', 'boolean', '1')),
          echoString: () => encoded(typed('return', 'string', '')),
          echoDate: () => encoded(typed('return', 'dateTime', '2024-01-02T03:04:05+01:00')),
          echoDecimal: () => encoded(typed('return', 'decimal', '12.500')),
          echoUnsignedLong: () => encoded(typed('return', 'unsignedLong', '18446744073709551615')),
          echoStructAsSimpleTypes: () =>
            encoded(
              typed('outputString', 'string', 'text'),
              typed('outputInteger', 'int', '-7'),
              typed('outputFloat', 'float', '2.5'),
            ),
          echoStruct: () => encoded(STRUCT('return', 'one', '1', '0.5')),
          echoNestedStruct: () =>
            encoded(
              `<return ${ENC11} xmlns:ns="http://soapinterop.org/xsd" xsi:type="ns:SOAPStructStruct">${typed('varString', 'string', 'outer')}${typed('varInt', 'int', '2')}${typed('varFloat', 'float', '1E2')}${STRUCT('varStruct', 'inner', '3', '-0.25')}</return>`,
            ),
        },
      },
    },
    { ignoreSoapAction: true },
  );
  try {
    type Op =
      | 'echoInteger'
      | 'echoFloat'
      | 'echoBoolean'
      | 'echoString'
      | 'echoDate'
      | 'echoDecimal'
      | 'echoUnsignedLong'
      | 'echoStructAsSimpleTypes'
      | 'echoStruct'
      | 'echoNestedStruct';
    const echo = await client<Op>('interoptest', 'EchoClient', served.url);
    const struct = { varString: 'x', varInt: 1, varFloat: 1 };
    const cases: [Op, unknown, unknown][] = [
      ['echoInteger', { inputInteger: 85 }, { return: 85 }],
      ['echoFloat', { inputFloat: 1 }, { return: Number.POSITIVE_INFINITY }],
      ['echoBoolean', { inputBoolean: true }, { return: true }],
      ['echoString', { inputString: '' }, { return: '' }],
      // Dates stay the lexical form, time zone kept; long-ish numbers stay exact strings.
      ['echoDate', { inputDate: 'x' }, { return: '2024-01-02T03:04:05+01:00' }],
      ['echoDecimal', { inputDecimal: '12.5' }, { return: '12.500' }],
      ['echoUnsignedLong', { inputUnsignedLong: '1' }, { return: '18446744073709551615' }],
      [
        'echoStructAsSimpleTypes',
        { inputStruct: struct },
        { outputString: 'text', outputInteger: -7, outputFloat: 2.5 },
      ],
      [
        'echoStruct',
        { inputStruct: struct },
        { return: { varString: 'one', varInt: 1, varFloat: 0.5 } },
      ],
      [
        'echoNestedStruct',
        { inputStruct: { ...struct, varStruct: struct } },
        {
          return: {
            varString: 'outer',
            varInt: 2,
            varFloat: 100,
            varStruct: { varString: 'inner', varInt: 3, varFloat: -0.25 },
          },
        },
      ],
    ];
    await expectResults(echo, cases);
  } finally {
    await served.close();
  }
});

test('rpc/encoded SOAP arrays: items whatever their element names; one item, none, structs, nested', async () => {
  const array = (name: string, type: string, items: string): string =>
    `<${name} ${ENC11} xmlns:ns="http://soapinterop.org/xsd" xsi:type="SOAP-ENC:Array" SOAP-ENC:arrayType="${type}">${items}</${name}>`;
  const served = await serve(
    WSDLS.interop,
    '/arrays',
    {
      InteropTestService: {
        echo: {
          echoIntegerArray: () =>
            encoded(
              array(
                'return',
                'xsd:int[3]',
                ['1', '2', '30'].map((v) => typed('item', 'int', v)).join(''),
              ),
            ),
          echoStringArray: () =>
            encoded(array('return', 'xsd:string[1]', typed('item', 'string', 'only'))),
          echoFloatArray: () => encoded(array('return', 'xsd:float[0]', '')),
          // .NET names the items after their type.
          echoStructArray: () =>
            encoded(
              array(
                'return',
                'ns:SOAPStruct[2]',
                STRUCT('SOAPStruct', 'a', '1', '1.5') + STRUCT('SOAPStruct', 'b', '2', '2.5'),
              ),
            ),
          echoNestedArray: () =>
            encoded(
              `<return ${ENC11} xmlns:ns="http://soapinterop.org/xsd" xsi:type="ns:SOAPArrayStruct">${typed('varString', 'string', 's')}${typed('varInt', 'int', '4')}${typed('varFloat', 'float', '4.5')}${array('varArray', 'xsd:string[2]', typed('string', 'string', 'p') + typed('string', 'string', 'q'))}</return>`,
            ),
        },
      },
    },
    { ignoreSoapAction: true },
  );
  try {
    type Op =
      | 'echoIntegerArray'
      | 'echoStringArray'
      | 'echoFloatArray'
      | 'echoStructArray'
      | 'echoNestedArray';
    const echo = await client<Op>('interoptest', 'EchoClient', served.url);
    const cases: [Op, unknown, unknown][] = [
      ['echoIntegerArray', { inputIntegerArray: [1] }, { return: [1, 2, 30] }],
      ['echoStringArray', { inputStringArray: ['only'] }, { return: ['only'] }],
      ['echoFloatArray', { inputFloatArray: [] }, { return: [] }],
      [
        'echoStructArray',
        { inputStructArray: [] },
        {
          return: [
            { varString: 'a', varInt: 1, varFloat: 1.5 },
            { varString: 'b', varInt: 2, varFloat: 2.5 },
          ],
        },
      ],
      [
        'echoNestedArray',
        { inputStruct: { varString: 's', varInt: 4, varFloat: 4.5, varArray: [] } },
        { return: { varString: 's', varInt: 4, varFloat: 4.5, varArray: ['p', 'q'] } },
      ],
    ];
    await expectResults(echo, cases);
  } finally {
    await served.close();
  }
});

/** What Apache Axis 1 answers by default: structures as multi-references after the response. */
const AXIS_MULTIREF = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <ns1:echoStructArrayResponse soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xmlns:ns1="http://soapinterop.org/">
   <return soapenc:arrayType="ns2:SOAPStruct[2]" xsi:type="soapenc:Array" xmlns:ns2="http://soapinterop.org/xsd" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/">
    <item href="#id0"/>
    <item href="#id1"/>
   </return>
  </ns1:echoStructArrayResponse>
  <multiRef id="id0" soapenc:root="0" soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xsi:type="ns3:SOAPStruct" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:ns3="http://soapinterop.org/xsd">
   <varFloat xsi:type="xsd:float">1.5</varFloat>
   <varInt xsi:type="xsd:int">1</varInt>
   <varString xsi:type="xsd:string">one</varString>
  </multiRef>
  <multiRef id="id1" soapenc:root="0" soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xsi:type="ns4:SOAPStruct" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:ns4="http://soapinterop.org/xsd">
   <varFloat xsi:type="xsd:float">-2</varFloat>
   <varInt xsi:type="xsd:int">2</varInt>
   <varString xsi:type="xsd:string">two</varString>
  </multiRef>
 </soapenv:Body>
</soapenv:Envelope>`;

test('Axis 1 multi-references (href/id, encodingStyle on the response element) resolve and decode', async () => {
  const served = await serveReplies('/axis', () => AXIS_MULTIREF);
  try {
    const echo = await client<'echoStructArray'>('interoptest', 'EchoClient', served.url);
    const result = await echo.echoStructArray({ inputStructArray: [] });
    const expected = {
      return: [
        { varString: 'one', varInt: 1, varFloat: 1.5 },
        { varString: 'two', varInt: 2, varFloat: -2 },
      ],
    };
    assert.deepEqual(typesOf(result), typesOf(expected));
    assert.deepEqual(result, expected);
  } finally {
    await served.close();
  }
});

test('NOAA NDFD (rpc/encoded, as its PHP server answers): a string result is a string', async () => {
  let received: unknown;
  const dwml =
    "<?xml version='1.0'?><dwml version='1.0'><latLonList>39.0138,-77.0242</latLonList></dwml>";
  const served = await serve(WSDLS.noaa, '/ndfd', {
    ndfdXML: {
      ndfdXMLPort: {
        LatLonListZipCode: (args: unknown) => {
          received = args;
          return encoded(typed('listLatLonOut', 'string', escapeXml(dwml)));
        },
      },
    },
  });
  try {
    const ndfd = await client<'latLonListZipCode'>('ndfdxml', 'NdfdXMLPortClient', served.url);
    const result = await ndfd.latLonListZipCode({ zipCodeList: '20910' });
    assert.deepEqual(received, { zipCodeList: '20910' });
    assert.deepEqual(typesOf(result), { '': 'object', '/listLatLonOut': 'string' });
    assert.deepEqual(result, { listLatLonOut: dwml });
  } finally {
    await served.close();
  }
});

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

test('SOAP 1.2 rpc/encoded (node-soap rpcexample, gSOAP style): struct, SOAP 1.2 array, boolean', async () => {
  const enc12 = `${NS} xmlns:SOAP-ENC="http://www.w3.org/2003/05/soap-encoding"`;
  const served = await serve(WSDLS.rpc12, '/rpc12', {
    RpcExample: {
      RpcExample: {
        execFile: () =>
          encoded(
            `<result ${enc12} xmlns:RpcExample="urn:RpcExample" xsi:type="RpcExample:execFileResult">${typed('base64EncodedStdOut', 'string', 'aGk=')}${typed('base64EncodedStdError', 'string', '')}${typed('exitCode', 'int', '3')}</result>`,
          ),
        listFiles: () =>
          encoded(
            `<result ${enc12} xsi:type="SOAP-ENC:Array" SOAP-ENC:itemType="xsd:string" SOAP-ENC:arraySize="2"><files>a.txt</files><files>b.txt</files></result>`,
          ),
        pullFile: () => encoded(typed('result', 'boolean', 'false')),
      },
    },
  });
  try {
    const rpc = await client<'execFile' | 'listFiles' | 'pullFile'>(
      'rpcexample',
      'RpcExampleClient',
      served.url,
    );
    const cases: ['execFile' | 'listFiles' | 'pullFile', unknown, unknown][] = [
      [
        'execFile',
        { params: { fileName: 'ls', base64EncodedStdIn: '', startDetached: false } },
        { result: { base64EncodedStdOut: 'aGk=', base64EncodedStdError: '', exitCode: 3 } },
      ],
      ['listFiles', {}, { result: ['a.txt', 'b.txt'] }],
      [
        'pullFile',
        {
          params: {
            url: 'http://x',
            fileName: 'f',
            fileMode: 1,
            forceOverwrite: true,
            username: 'u',
            password: 'p',
            base64EncodedCallback: '',
          },
        },
        { result: false },
      ],
    ];
    await expectResults(rpc, cases);
  } finally {
    await served.close();
  }
});

test('part and element names with whitespace (fixture): keys as they arrive, rpc/encoded and rpc/literal', async () => {
  const received: unknown[] = [];
  const line = `<item ${ENC11} xmlns:tns="urn:OrderService" xsi:type="tns:OrderLine">${typed('Sku', 'string', 'A-1')}${typed('Quantity', 'int', '2')}${typed('Backordered', 'boolean', 'false')}</item>`;
  const encodedServer = await serve(FIXTURE, '/orders/encoded', {
    OrderService: {
      OrderStatusPort: {
        GetOrderStatus: (args: unknown) => {
          received.push(args);
          return encoded(
            typed('ResultCode', 'int', '85'),
            typed('ResultText', 'string', 'partly shipped'),
            typed('Shipped', 'boolean', 'true'),
            typed('ShippedAt', 'dateTime', '2024-03-01T10:00:00Z'),
            typed('Total', 'decimal', '1234.50'),
            `<Lines ${ENC11} xmlns:tns="urn:OrderService" xsi:type="SOAP-ENC:Array" SOAP-ENC:arrayType="tns:OrderLine[1]">${line}</Lines>`,
          );
        },
      },
    },
  });
  const literalServer = await serve(FIXTURE, '/orders/literal', {
    OrderService: {
      OrderSummaryPort: {
        GetOrderSummary: (args: unknown) => {
          received.push(args);
          return {
            ResultCode: 85,
            Shipped: false,
            Lines: { Line: { Sku: 'B-2', Quantity: 1, Backordered: true } },
          };
        },
      },
    },
  });
  try {
    const status = await client<'getOrderStatus'>(
      'rpc-whitespace-names',
      'OrderStatusPortClient',
      encodedServer.url,
    );
    const summary = await client<'getOrderSummary'>(
      'rpc-whitespace-names',
      'OrderSummaryPortClient',
      literalServer.url,
    );
    const statusResult = await status.getOrderStatus({ OrderId: 'o-1' });
    assert.deepEqual(typesOf(statusResult), {
      '': 'object',
      '/ResultCode': 'number',
      '/ResultText': 'string',
      '/Shipped': 'boolean',
      '/ShippedAt': 'string',
      '/Total': 'string',
      '/Lines': 'array',
      '/Lines/0': 'object',
      '/Lines/0/Sku': 'string',
      '/Lines/0/Quantity': 'number',
      '/Lines/0/Backordered': 'boolean',
    });
    assert.deepEqual(statusResult, {
      ResultCode: 85,
      ResultText: 'partly shipped',
      Shipped: true,
      ShippedAt: '2024-03-01T10:00:00Z',
      Total: '1234.50',
      Lines: [{ Sku: 'A-1', Quantity: 2, Backordered: false }],
    });
    const summaryResult = await summary.getOrderSummary({ OrderId: 'o-2' });
    assert.deepEqual(typesOf(summaryResult), {
      '': 'object',
      '/ResultCode': 'number',
      '/Shipped': 'boolean',
      '/Lines': 'object',
      '/Lines/Line': 'array',
      '/Lines/Line/0': 'object',
      '/Lines/Line/0/Sku': 'string',
      '/Lines/Line/0/Quantity': 'number',
      '/Lines/Line/0/Backordered': 'boolean',
    });
    assert.deepEqual(summaryResult, {
      ResultCode: 85,
      Shipped: false,
      Lines: { Line: [{ Sku: 'B-2', Quantity: 1, Backordered: true }] },
    });
    // The requests carry the parts under the names the services read.
    assert.deepEqual(received, [{ OrderId: 'o-1' }, { OrderId: 'o-2' }]);
  } finally {
    await encodedServer.close();
    await literalServer.close();
  }
});

/** Code that reads the results by their generated types; it must compile, so the keys are real. */
const USAGE = `import { EchoClient } from './interoptest/client.generated.js';
import { OrderStatusPortClient, OrderSummaryPortClient } from './rpc-whitespace-names/client.generated.js';

type Read = [number, string, boolean, string, string, number | undefined, boolean | undefined, number[], number, string];

export async function use(status: OrderStatusPortClient, summary: OrderSummaryPortClient, echo: EchoClient): Promise<Read> {
  const s = await status.getOrderStatus({ OrderId: 'o-1' });
  const m = await summary.getOrderSummary({ OrderId: 'o-1' });
  const a = await echo.echoIntegerArray({ inputIntegerArray: [1, 2] });
  const n = await echo.echoStructAsSimpleTypes({ inputStruct: { varString: 's', varInt: 1, varFloat: 1 } });
  // @ts-expect-error the key is the name as it travels, not the WSDL's 'ResultCode '
  void s['ResultCode '];
  return [s.ResultCode, s.ResultText, s.Shipped, s.ShippedAt, s.Total, s.Lines[0]?.Quantity, m.Lines.Line[0]?.Backordered, a.return, n.outputInteger, n.outputString];
}
`;

test('the generated rpc types name what arrives: code reading results by them compiles', () => {
  const usage = path.join(dir, 'use-rpc.ts');
  writeFileSync(usage, USAGE);
  assert.deepEqual([...typeCheck(dir, [usage]).values()].flat(), []);
});
