/**
 * Attribute and element wildcards beside declared members (test/codegen/fixtures/wildcards.wsdl; the
 * corpus has no `anyAttribute`): the generated types compile under every consumer setting, keep
 * declared members precise, and match what node-soap sends and returns in a round trip.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { listen } from 'soap';
import { generate } from '../../codegen/index.js';
import { dropUndefinedAttributes } from '../../soap-client/request.js';
import { REPO_ROOT } from '../support/cli.js';
import { CONSUMER_SETTINGS, tempDir, typeCheckEach } from './support.js';

const FIXTURE = path.join(REPO_ROOT, 'test', 'codegen', 'fixtures', 'wildcards.wsdl');

let dir = '';
let cleanup: () => Promise<void> = () => Promise.resolve();

before(async () => {
  ({ dir, cleanup } = await tempDir('wildcards'));
  const runtime = path.relative(
    path.join(dir, 'x'),
    path.join(REPO_ROOT, 'soap-client', 'index.js'),
  );
  await generate([FIXTURE], { out: dir, runtimeModule: runtime.split(path.sep).join('/') });
});

after(async () => {
  await cleanup();
});

/** What a user of the generated types writes; every line must mean what it says under every setting. */
const USAGE = `import type * as T from './wildcards/types.generated.js';
import { NotificationPortClient } from './wildcards/client.generated.js';

export async function use(client: NotificationPortClient): Promise<string | undefined> {
  const answer = await client.subscribe({
    ConsumerReference: {
      Address: { $value: 'http://consumer', attributes: { 'wsa:Id': 'a1' } },
      ReferenceParameters: { 'app:Key': 'k' },
    },
    Filter: { $value: 'tns:Topic', attributes: { Dialect: 'urn:simple', 'x:extra': 'y' } },
    Confirmation: { attributes: { Method: 'bearer', 'x:gone': undefined } },
    attributes: { 'ext:trace': '7' },
  });
  // @ts-expect-error an attribute is text
  const wrongAttribute: T.ItemIdType = { attributes: { Id: 'i', 'x:n': 5 } };
  // @ts-expect-error a declared attribute keeps its enumeration
  const wrongEnum: T.SubjectConfirmationDataType = { attributes: { Method: 'sender-vouches' } };
  // @ts-expect-error a required attribute stays required beside the wildcard
  const missing: T.TopicExpressionType = { attributes: { other: 'x' } };
  // @ts-expect-error the redeclared member has the derived type
  const draft: T.DraftType = { Subject: 'text' };
  void [wrongAttribute, wrongEnum, missing, draft];
  // Declared members of a type whose base has an element wildcard keep their names and types.
  const d = answer.Draft;
  const subject: number | undefined = d?.Subject;
  const itemId: string | undefined = d?.ItemId?.attributes.Id;
  const flagged: string | undefined = d?.attributes?.Flagged;
  const sensitivity: string | undefined = d?.attributes?.Sensitivity;
  // Wildcard attributes are read by name, and may be absent.
  const trace: string | undefined = answer.attributes?.['ext:trace'];
  const lang: string | undefined = answer.attributes?.Lang;
  const action = answer.Action;
  const isRef = typeof action === 'object' ? action.attributes?.IsReferenceParameter : undefined;
  return [subject, itemId, flagged, sensitivity, trace, lang, isRef].join();
}
`;

test('the wildcard types compile under every consumer setting and stay precise', () => {
  const types = readFileSync(path.join(dir, 'wildcards', 'types.generated.ts'), 'utf8');
  assert.match(
    types,
    /export interface ItemIdType \{\n {2}attributes: \{\n {4}Id: string;\n {4}ChangeKey\?: string;\n {4}\[name: string\]: string \| undefined;/,
  );
  assert.doesNotMatch(types, /\[name: string\]: string;/);
  assert.match(
    types,
    /export type DraftType = \{ \[K in keyof ItemType as K extends 'Subject' \? never : K\]: ItemType\[K\] \} & \{/,
  );
  const usage = path.join(dir, 'usage.ts');
  writeFileSync(usage, USAGE);
  const generated = ['types', 'client', 'index'].map((f) =>
    path.join(dir, 'wildcards', `${f}.generated.ts`),
  );
  // A declared optional attribute set to undefined: what each setting makes of it, unchanged.
  const explicit = path.join(dir, 'explicit.ts');
  writeFileSync(
    explicit,
    "import type * as T from './wildcards/types.generated.js';\n" +
      'export const c: T.SubjectConfirmationDataType = { attributes: { Recipient: undefined } };\n',
  );
  const bySetting = typeCheckEach(dir, [...generated, usage, explicit]);
  for (const setting of CONSUMER_SETTINGS) {
    const diagnostics = bySetting.get(setting.name) ?? new Map<string, string[]>();
    const explicitErrors = diagnostics.get(explicit) ?? [];
    diagnostics.delete(explicit);
    assert.deepEqual([...diagnostics.values()].flat(), [], `wildcards.wsdl [${setting.name}]`);
    const exact = setting.options.exactOptionalPropertyTypes === true;
    assert.equal(explicitErrors.length, exact ? 1 : 0, `${setting.name}: ${explicitErrors.join()}`);
  }
});

test('wildcard attributes travel both ways flat beside the declared ones; undefined ones are left out', async () => {
  let received: unknown;
  const server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  listen(server, {
    path: '/notify',
    xml: readFileSync(FIXTURE, 'utf8'),
    services: {
      NotificationService: {
        NotificationPort: {
          Subscribe: (args: unknown) => {
            received = args;
            return {
              SubscriptionReference: { Address: 'http://producer/sub/1' },
              attributes: { Lang: 'en', 'ext:trace': '7' },
            };
          },
        },
      },
    },
  });
  try {
    const { port } = server.address() as AddressInfo;
    const mod = (await import(
      pathToFileURL(path.join(dir, 'wildcards', 'client.generated.ts')).href
    )) as Record<
      string,
      { create(o: { endpoint: string }): Promise<{ subscribe(i: unknown): Promise<unknown> }> }
    >;
    const client = await mod.NotificationPortClient?.create({
      endpoint: `http://127.0.0.1:${port}/notify`,
    });
    const answer = await client?.subscribe({
      ConsumerReference: { Address: 'http://consumer' },
      Confirmation: { attributes: { Method: 'bearer', Recipient: undefined } },
      attributes: { trace: '7', gone: undefined },
    });
    assert.deepEqual(answer, {
      SubscriptionReference: { Address: 'http://producer/sub/1' },
      attributes: { Lang: 'en', 'ext:trace': '7' },
    });
    // node-soap's server parses attributes as the client does: one flat object per element.
    const request = received as { attributes?: unknown; Confirmation?: { attributes?: unknown } };
    assert.deepEqual(request.attributes, { trace: '7' });
    assert.deepEqual(request.Confirmation?.attributes, { Method: 'bearer' });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('dropUndefinedAttributes copies only what changes and never touches the input', () => {
  const keep = { a: [{ attributes: { x: '1' } }], b: 'text' };
  assert.equal(dropUndefinedAttributes(keep), keep);
  const input = {
    list: [{ attributes: { x: '1', y: undefined } }, { z: 1 }],
    attributes: { xsi_type: { type: 'T' }, gone: undefined },
    child: undefined,
  };
  const out = dropUndefinedAttributes(input) as typeof input;
  assert.deepEqual(out, {
    list: [{ attributes: { x: '1' } }, { z: 1 }],
    attributes: { xsi_type: { type: 'T' } },
    child: undefined,
  });
  assert.equal(out.list[1], input.list[1]);
  assert.ok('y' in (input.list[0]?.attributes ?? {}), 'the input is unchanged');
});
