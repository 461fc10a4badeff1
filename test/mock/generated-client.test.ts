/**
 * The generated typed clients (`aes gen`) against two mocks: a FIFO source and a recording target,
 * driven the way an outbound and an inbound endpoint will be (pop → put → popped), with a failing
 * first put retried; the target received every record exactly once.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { generate } from '../../codegen/index.js';
import { startMock } from '../../mock/index.js';
import { SoapFaultError } from '../../soap-client/index.js';
import { REPO_ROOT } from '../support/cli.js';
import { tempDir } from '../codegen/support.js';
import { FIXTURES, SOURCE_WSDL, TARGET_WSDL } from './support.js';

let dir = '';
let cleanup: () => Promise<void> = () => Promise.resolve();

before(async () => {
  ({ dir, cleanup } = await tempDir('mock-gen'));
  const runtime = path.relative(
    path.join(dir, 'x'),
    path.join(REPO_ROOT, 'soap-client', 'index.js'),
  );
  await generate([SOURCE_WSDL, TARGET_WSDL], {
    out: dir,
    runtimeModule: runtime.split(path.sep).join('/'),
  });
});

after(async () => {
  await cleanup();
});

type Method = (input: unknown) => Promise<Record<string, unknown>>;
type Module<K extends string, M extends string> = Record<
  K,
  { create(options: { endpoint: string }): Promise<Record<M, Method>> }
>;

async function load<T>(folder: string): Promise<T> {
  return (await import(pathToFileURL(path.join(dir, folder, 'client.generated.ts')).href)) as T;
}

test('outbound and inbound flow through generated clients: exactly once', async () => {
  await using source = await startMock(SOURCE_WSDL, {
    script: path.join(FIXTURES, 'source-script.json'),
  });
  await using target = await startMock(TARGET_WSDL, {
    script: path.join(FIXTURES, 'target-script.json'),
  });
  const src = await (
    await load<Module<'SourcePortClient', 'pop' | 'popped' | 'build'>>('source-system')
  ).SourcePortClient.create({ endpoint: source.endpoints[0]?.url ?? '' });
  const tgt = await (
    await load<Module<'TargetPortClient', 'put'>>('target-system')
  ).TargetPortClient.create({ endpoint: target.endpoints[0]?.url ?? '' });
  let faults = 0;
  for (;;) {
    const head = await src.pop({});
    if (head['status'] === 'EMPTY') break;
    const id = String(head['id']);
    // Double phase: the document comes from build.
    const doc = await src.build({ id });
    for (;;) {
      try {
        const r = await tgt.put({ messageId: `ob:${id}`, record: String(doc['document']) });
        assert.equal(r['stored'], true);
        break;
      } catch (err) {
        assert.ok(err instanceof SoapFaultError, String(err));
        faults += 1;
      }
    }
    await src.popped({ id });
  }
  assert.equal(faults, 1);
  const s = source.state();
  const t = target.state();
  assert.deepEqual(s.fifo?.popped, ['101', '1', '2', '3']);
  assert.deepEqual(t.put?.ids, ['ob:101', 'ob:1', 'ob:2', 'ob:3']);
  assert.deepEqual(t.put?.duplicates, []);
  assert.deepEqual(
    t.put?.received.map(
      (r) => JSON.parse(String((r.request as { record: string }).record)) as unknown,
    ),
    [
      { customer: 'ACME', amount: 12.5 },
      { n: 1, text: 'record 1' },
      { n: 2, text: 'record 2' },
      { n: 3, text: 'record 3' },
    ],
  );
});
