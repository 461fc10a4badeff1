/**
 * WSDL 2.0 round trips: the generated client loads its WSDL 1.1 equivalent and calls the service.
 * Every WSDL 2.0 document of the corpus (root element `description` in `http://www.w3.org/ns/wsdl`)
 * is served by `aes mock` (node-soap's server) on loopback and every operation of every generated
 * client is called with a sample request; the answer must come back equal to what the mock sent, and
 * code that assigns each answer, as it arrived, to the method's declared result type must compile
 * (so numbers are numbers, booleans booleans, lists arrays). The fixture
 * test/codegen/fixtures/wsdl20/orders.wsdl (three files: an imported description, an imported
 * schema) is served by node-soap's server directly with hand-written answers: SOAP 1.1 and 1.2,
 * SOAP actions, an inherited operation, one-way operations, a typed fault. Documents with what WSDL
 * 1.1 cannot say are refused at generation with `WSDL_UNSUPPORTED`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sax from 'sax';
import { CodegenError, generate, type WsdlSummary } from '../../codegen/index.js';
import { buildModel, toMethodName } from '../../codegen/internal.js';
import { readFacets } from '../../mock/facets.js';
import { startMock } from '../../mock/index.js';
import { DEFAULT_SAMPLE_SEED, SampleBuilder } from '../../mock/sample.js';
import { SoapFaultError } from '../../soap-client/index.js';
import { REPO_ROOT } from '../support/cli.js';
import { serve } from './soap-server.js';
import { corpusDir, corpusEntries, tempDir, typeCheck } from './support.js';

const WSDL20_NS = 'http://www.w3.org/ns/wsdl';
const FIXTURE = path.join(REPO_ROOT, 'test', 'codegen', 'fixtures', 'wsdl20', 'orders.wsdl');

/** Whether `file`'s root element is a WSDL 2.0 `description`. */
function isWsdl20(file: string): boolean {
  const parser = sax.parser(true, { xmlns: true });
  let root: sax.QualifiedTag | undefined;
  parser.onopentag = (tag) => {
    root = tag as sax.QualifiedTag;
    throw new Error('stop');
  };
  try {
    parser.write(readFileSync(file, 'utf8')).close();
  } catch {
    // Stopped at the root element (or the document is not XML: then it is no WSDL 2.0 either).
  }
  return root?.local === 'description' && root.uri === WSDL20_NS;
}

const CORPUS_WSDL20 = corpusEntries()
  .map((e) => e.root)
  .filter((root) => isWsdl20(path.join(corpusDir(), root)));

let dir = '';
let cleanup: () => Promise<void> = () => Promise.resolve();
const summaries = new Map<string, WsdlSummary>();

before(async () => {
  ({ dir, cleanup } = await tempDir('wsdl20-roundtrip'));
  const runtime = path.relative(
    path.join(dir, 'x'),
    path.join(REPO_ROOT, 'soap-client', 'index.js'),
  );
  const sources = [...CORPUS_WSDL20.map((w) => path.join(corpusDir(), w)), FIXTURE];
  const out = await generate(sources, {
    out: dir,
    runtimeModule: runtime.split(path.sep).join('/'),
  });
  for (const s of out) summaries.set(s.source, s);
});

after(async () => {
  await cleanup();
});

type Method = (input: unknown) => Promise<unknown>;
type Port = Record<string, Method>;
type ClientModule = Record<string, { create(options: { endpoint: string }): Promise<Port> }>;

async function clientOf(folder: string, className: string, endpoint: string): Promise<Port> {
  const mod = (await import(
    pathToFileURL(path.join(dir, folder, 'client.generated.ts')).href
  )) as ClientModule;
  const ctor = mod[className];
  assert.ok(ctor !== undefined, `${folder} exports no ${className}`);
  return ctor.create({ endpoint });
}

/** The value with every leaf as text: what travelled, whatever type it arrived as. */
function lexical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lexical);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lexical(v)]));
  return String(value);
}

test('the corpus has a WSDL 2.0 document', () => {
  assert.ok(CORPUS_WSDL20.length > 0, 'no description in http://www.w3.org/ns/wsdl in the corpus');
});

for (const root of CORPUS_WSDL20) {
  test(`WSDL 2.0 ${root}: every operation of every generated client round trips through aes mock`, async () => {
    const file = path.join(corpusDir(), root);
    const summary = summaries.get(file);
    assert.ok(summary !== undefined && summary.clients.length > 0, `${root}: no client generated`);
    const model = await buildModel(file);
    const samples = new SampleBuilder(model.schema, readFacets(model.loaded.schemas), {
      seed: DEFAULT_SAMPLE_SEED,
    });
    await using mock = await startMock(file);
    const checks: string[] = [];
    for (const c of summary.clients) {
      const ep = mock.endpoints.find((e) => e.service === c.service && e.port === c.port);
      assert.ok(ep !== undefined, `the mock serves no ${c.service}/${c.port}`);
      const port = model.wsdl.services
        .find((s) => s.name === c.service)
        ?.ports.find((p) => p.name === c.port);
      const binding = model.wsdl.bindings.get(port?.binding ?? '');
      const ops = model.wsdl.portTypes.get(binding?.portType ?? '')?.operations ?? [];
      assert.ok(ops.length > 0, `${c.service}/${c.port}: no operations`);
      const client = await clientOf(summary.folder, c.className, ep.url);
      for (const op of ops) {
        const inMsg = op.input === undefined ? undefined : model.wsdl.messages.get(op.input);
        const outMsg = op.output === undefined ? undefined : model.wsdl.messages.get(op.output);
        const input = samples.message(
          inMsg,
          'document',
          undefined,
          op.input ?? '',
          `in/${op.name}`,
        );
        const before = mock.state().calls[op.name] ?? 0;
        const method = client[toMethodName(op.name)];
        assert.ok(method !== undefined, `${c.className} has no method for ${op.name}`);
        const result = await method.call(client, input);
        assert.equal(mock.state().calls[op.name], before + 1, `${op.name} reached the mock`);
        if (outMsg === undefined) continue;
        // The mock's answer: its sample for this port and operation (same seed, same key).
        const sent = samples.message(
          outMsg,
          'document',
          binding?.operations.get(op.name)?.output,
          op.output ?? '',
          `${c.service}/${c.port}/${op.name}`,
        );
        assert.deepEqual(lexical(result), lexical(sent), `${c.className}.${op.name}`);
        checks.push(
          `export const r${checks.length}: Result<${c.className}, '${toMethodName(op.name)}'> = ${JSON.stringify(result)};`,
        );
      }
    }
    // Each answer, as it arrived, must be a value of the declared result type.
    const usage = path.join(dir, `use-${summary.folder}.ts`);
    writeFileSync(
      usage,
      [
        `import type { ${summary.clients.map((c) => c.className).join(', ')} } from './${summary.folder}/client.generated.js';`,
        'type Result<C, K extends keyof C> = C[K] extends (...args: never[]) => Promise<infer R> ? R : never;',
        ...checks,
        '',
      ].join('\n'),
    );
    assert.deepEqual([...typeCheck(dir, [usage]).values()].flat(), []);
  });
}

/** What the fixture's handlers saw: operation, request, SOAPAction header. */
interface Seen {
  readonly op: string;
  readonly args: unknown;
  readonly action: string | undefined;
}

type Handler = (args: unknown, cb: unknown, headers: unknown, req: IncomingMessage) => unknown;

function handlers(seen: Seen[]): Record<string, Handler> {
  const record =
    (op: string, answer: (args: unknown) => unknown): Handler =>
    (args, _cb, _headers, req) => {
      const action = req.headers.soapaction ?? req.headers['content-type'];
      seen.push({ op, args, action: Array.isArray(action) ? action.join() : action });
      return answer(args);
    };
  return {
    getOrder: record('getOrder', (args) => {
      if ((args as { id?: string }).id === 'missing') {
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw {
          Fault: {
            faultcode: 'soap:Client',
            faultstring: 'no such order',
            detail: { orderNotFound: { id: 'missing', searched: 3 } },
          },
        };
      }
      return {
        order: {
          id: 'o-1',
          quantity: 2,
          total: '12.50',
          placed: '2024-05-01',
          shipped: true,
          line: [{ sku: 'A-1', qty: 2 }],
        },
      };
    }),
    countOrders: record('countOrders', () => '9007199254740993'),
    logEvent: record('logEvent', () => ({})),
    archiveOrder: record('archiveOrder', () => ({})),
    ping: record('ping', (args) => ({
      echo: (args as { echo: string }).echo,
      at: '2024-05-01T10:00:00Z',
      healthy: false,
    })),
  };
}

test('WSDL 2.0 over three files (fixture): SOAP 1.1 and 1.2 ports, actions, inherited and one-way operations, a typed fault', async () => {
  const summary = summaries.get(FIXTURE);
  assert.ok(summary !== undefined);
  assert.deepEqual(
    summary.clients.map((c) => c.className),
    ['BaseEndpointClient', 'Soap11EndpointClient', 'Soap12EndpointClient'],
  );
  const wsdl11 = path.join(dir, summary.folder, 'wsdl11.generated.wsdl');
  const seen11: Seen[] = [];
  const seen12: Seen[] = [];
  const s11 = await serve(wsdl11, '/soap11', {
    OrderService: { Soap11Endpoint: handlers(seen11) },
  });
  const s12 = await serve(wsdl11, '/', { OrderService: { Soap12Endpoint: handlers(seen12) } });
  try {
    for (const [className, served, seen] of [
      ['Soap11EndpointClient', s11, seen11],
      ['Soap12EndpointClient', s12, seen12],
    ] as const) {
      const client = await clientOf(summary.folder, className, served.url);
      const call = (op: string, input: unknown): Promise<unknown> =>
        (client[op] as Method).call(client, input);
      const order = await call('getOrder', { id: 'o-1', withLines: true });
      assert.deepEqual(order, {
        order: {
          id: 'o-1',
          quantity: 2,
          total: '12.50',
          placed: '2024-05-01',
          shipped: true,
          line: [{ sku: 'A-1', qty: 2 }],
        },
      });
      // xs:long beyond 2^53 stays exact as a string.
      assert.equal(await call('countOrders', { since: '2024-01-01' }), '9007199254740993');
      assert.equal(await call('logEvent', { text: 'hello' }), undefined);
      assert.equal(await call('archiveOrder', { id: 'o-1' }), undefined);
      assert.deepEqual(await call('ping', { echo: 'e' }), {
        echo: 'e',
        at: '2024-05-01T10:00:00Z',
        healthy: false,
      });
      await assert.rejects(call('getOrder', { id: 'missing' }), (err: unknown) => {
        assert.ok(err instanceof SoapFaultError, String(err));
        assert.equal(err.operation, 'getOrder');
        // The fault's detail arrives typed as the interface fault's element declares it.
        assert.deepEqual(err.fault.detail, { orderNotFound: { id: 'missing', searched: 3 } });
        return true;
      });
      assert.deepEqual(
        seen.map((s) => s.op),
        ['getOrder', 'countOrders', 'logEvent', 'archiveOrder', 'ping', 'getOrder'],
      );
      assert.deepEqual(seen[0]?.args, { id: 'o-1', withLines: true });
      assert.deepEqual(seen[2]?.args, { text: 'hello' });
    }
    // SOAP 1.1 carries wsoap:action in SOAPAction; the SOAP 1.2 binding declares none.
    assert.equal(seen11[0]?.action, '"urn:example:orders:getOrder"');
    assert.equal(seen11[4]?.action, '"urn:example:common:ping"');
    assert.match(seen12[0]?.action ?? '', /application\/soap\+xml/);
  } finally {
    await s11.close();
    await s12.close();
  }
});

/** Code that reads the fixture's results by their generated types; it must compile. */
const USAGE = `import { Soap11EndpointClient } from './orders/client.generated.js';

export async function use(c: Soap11EndpointClient): Promise<[number, boolean, string, number | undefined, boolean, string]> {
  const { order } = await c.getOrder({ id: 'o-1' });
  const pong = await c.ping({ echo: 'e' });
  const count: string = await c.countOrders({ since: '2024-01-01' });
  const nothing: void = await c.logEvent({ text: 't' });
  void nothing;
  // @ts-expect-error quantity is a number
  const wrong: string = order.quantity;
  void wrong;
  return [order.quantity, order.shipped, order.total, order.line?.[0]?.qty, pong.healthy, count];
}
`;

test('the fixture client is typed: its results read as numbers, booleans, strings and arrays', () => {
  const usage = path.join(dir, 'use-orders-typed.ts');
  writeFileSync(usage, USAGE);
  assert.deepEqual([...typeCheck(dir, [usage]).values()].flat(), []);
});

test('#none: an operation without a response body and one without a request body', async () => {
  const file = path.join(dir, 'none.wsdl');
  writeFileSync(
    file,
    refused(
      '<operation name="fire"><input element="tns:e"/><output element="#none"/></operation><operation name="poll"><input element="#none"/><output element="tns:e"/></operation>',
    ),
  );
  const runtime = path.relative(
    path.join(dir, 'none-out', 'x'),
    path.join(REPO_ROOT, 'soap-client', 'index.js'),
  );
  await generate([file], {
    out: path.join(dir, 'none-out'),
    runtimeModule: runtime.split(path.sep).join('/'),
  });
  await using mock = await startMock(file, {
    script: { json: { operations: { poll: { response: 'polled' } } } },
  });
  const mod = (await import(
    pathToFileURL(path.join(dir, 'none-out', 'none', 'client.generated.ts')).href
  )) as ClientModule;
  const client = await mod['PClient']?.create({ endpoint: mock.endpoints[0]?.url ?? '' });
  assert.ok(client !== undefined);
  assert.deepEqual(await client['fire']?.call(client, 'hello'), {});
  assert.equal(await client['poll']?.call(client, {}), 'polled');
  assert.deepEqual(mock.state().calls, { fire: 1, poll: 1 });
});

test("a binding without interface takes its service's; an in-only operation listing an output stays one-way", async () => {
  const file = path.join(dir, 'reusable.wsdl');
  writeFileSync(
    file,
    refused(
      '<operation name="get"><input element="tns:e"/><output element="tns:e"/></operation><operation name="tell" pattern="http://www.w3.org/ns/wsdl/in-only"><input element="tns:f"/><output element="tns:e"/></operation>',
    )
      .replace('<binding name="B" interface="tns:I"', '<binding name="B"')
      .replace('</xs:schema>', '<xs:element name="f" type="xs:string"/></xs:schema>'),
  );
  const runtime = path.relative(
    path.join(dir, 'reusable-out', 'x'),
    path.join(REPO_ROOT, 'soap-client', 'index.js'),
  );
  const [summary] = await generate([file], {
    out: path.join(dir, 'reusable-out'),
    runtimeModule: runtime.split(path.sep).join('/'),
  });
  assert.deepEqual(summary?.clients, [{ className: 'PClient', service: 'S', port: 'P' }]);
  assert.deepEqual(summary.warnings, []);
  await using mock = await startMock(file, {
    script: { json: { operations: { get: { response: 'got' } } } },
  });
  const mod = (await import(
    pathToFileURL(path.join(dir, 'reusable-out', 'reusable', 'client.generated.ts')).href
  )) as ClientModule;
  const client = await mod['PClient']?.create({ endpoint: mock.endpoints[0]?.url ?? '' });
  assert.ok(client !== undefined);
  assert.equal(await client['get']?.call(client, 'x'), 'got');
  assert.equal(await client['tell']?.call(client, 'y'), undefined);
  assert.deepEqual(mock.state().calls, { get: 1, tell: 1 });
});

const refused = (body: string): string => `<?xml version="1.0"?>
<description xmlns="http://www.w3.org/ns/wsdl" xmlns:tns="urn:t" xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t">
  <types><xs:schema targetNamespace="urn:t"><xs:element name="e" type="xs:string"/></xs:schema></types>
  <interface name="I">${body}</interface>
  <binding name="B" interface="tns:I" type="http://www.w3.org/ns/wsdl/soap"/>
  <service name="S" interface="tns:I"><endpoint name="P" binding="tns:B" address="http://localhost/p"/></service>
</description>
`;

test('what WSDL 1.1 cannot say is refused at generation with WSDL_UNSUPPORTED, naming the operation and the line', async () => {
  const cases: [string, string, RegExp][] = [
    [
      'out-only',
      '<operation name="notify" pattern="http://www.w3.org/ns/wsdl/out-only"><output element="tns:e"/></operation>',
      /out-only\.wsdl:4:\d+: operation 'notify' of interface 'I' has pattern http:\/\/www\.w3\.org\/ns\/wsdl\/out-only/,
    ],
    [
      'any',
      '<operation name="take"><input element="#any"/><output element="tns:e"/></operation>',
      /any\.wsdl:4:\d+: operation 'take': the input is element="#any"/,
    ],
    [
      'other',
      '<operation name="raw"><input element="tns:e"/><output/></operation>',
      /other\.wsdl:4:\d+: operation 'raw': the output is not one XML element/,
    ],
  ];
  const twoSchemas = refused(
    '<operation name="op"><input element="tns:e"/><output element="tns:f"/></operation>',
  ).replace(
    '</types>',
    '<xs:schema targetNamespace="urn:t" elementFormDefault="qualified"><xs:element name="f" type="xs:int"/></xs:schema></types>',
  );
  cases.push([
    'schemas',
    twoSchemas,
    /schemas\.wsdl:3:\d+: inline schemas of namespace 'urn:t' differ in elementFormDefault/,
  ]);
  for (const [name, body, message] of cases) {
    const file = path.join(dir, `${name}.wsdl`);
    writeFileSync(file, body.startsWith('<?xml') ? body : refused(body));
    await assert.rejects(generate([file], { out: path.join(dir, 'refused') }), (err: unknown) => {
      assert.ok(err instanceof CodegenError, String(err));
      assert.equal(err.code, 'WSDL_UNSUPPORTED');
      assert.match(err.message, message);
      return true;
    });
  }
});
