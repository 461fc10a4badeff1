/**
 * `aes endpoint create` over a local WSDL whose imports and includes reach outside its own folder
 * (`../schema/DSMLv2.xsd`): every document the WSDL reaches by a relative location is copied into
 * the project's `wsdl/`, keeping their layout, so that the copy resolves them when the client is
 * generated and when node-soap (and `aes mock`) read it at run time. A reference to a local file
 * that does not exist is refused, naming the referring document, its line and the file, and
 * nothing is written.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { planWsdlCopy } from '../../scaffold/wsdl-copy.js';
import { loadWsdl, standardSchemaDir } from '../../wsdl/index.js';
import { linkedProject, runGeneratedTest } from './generated-run.js';
import { typeCheckProject } from './project-typecheck.js';
import { REPO_ROOT, runCli, snapshot, tempDir } from './support.js';

const REACH = fileURLToPath(new URL('./fixtures/reach/', import.meta.url));
const CORPUS = path.join(REPO_ROOT, '..', 'shared', 'wsdl');

/** A new project, its `aes-endpoint-server` resolving to this checkout (generated-run.ts). */
/** The files under the project's `wsdl/`, but its README. */
async function wsdlFolder(folder: string): Promise<string[]> {
  return [...(await snapshot(path.join(folder, 'wsdl'))).keys()]
    .filter((f) => f !== 'README.md')
    .map((f) => f.split(path.sep).join('/'));
}

/** Fails with the diagnostics unless the project compiles under its tsconfig.json and plain strict. */
function typeChecks(folder: string): void {
  assert.deepEqual(typeCheckProject(folder), []);
}

function generatedPasses(folder: string, name: string): void {
  const r = runGeneratedTest(folder, name);
  assert.equal(r.status, 0, `test/${name}.test.ts failed:\n${r.stdout}\n${r.stderr}`);
}

function inbound(name: string, wsdl: string, put: string, extra: readonly string[] = []): string[] {
  return [
    '--kind',
    'inbound',
    '--name',
    name,
    '--wsdl',
    wsdl,
    '--put',
    put,
    '--destination',
    `/queue/${name}`,
    ...extra,
  ];
}

test('a WSDL including ../types/t.xsd, which includes common/c.xsd: all three copied in their layout', async () => {
  await using tmp = await tempDir('aes-wsdl-copy-');
  const folder = await linkedProject(tmp.path);
  const r = runCli([
    'endpoint',
    'create',
    '--project',
    folder,
    ...inbound('reach-in', path.join(REACH, 'a', 'service.wsdl'), 'Put'),
  ]);
  assert.equal(r.status, 0, r.stderr);
  const copied = ['wsdl/a/service.wsdl', 'wsdl/types/t.xsd', 'wsdl/types/common/c.xsd'];
  for (const f of copied) assert.match(r.stdout, new RegExp(`^ {2}${f}$`, 'm'));
  // Exactly those: not u.xsd beside t.xsd, nor the other WSDL of the fixture.
  assert.deepEqual(await wsdlFolder(folder), [
    'a/service.wsdl',
    'types/common/c.xsd',
    'types/t.xsd',
  ]);
  for (const f of copied) {
    assert.equal(
      await readFile(path.join(folder, f), 'utf8'),
      await readFile(path.join(REACH, f.slice('wsdl/'.length)), 'utf8'),
      `${f} is not a verbatim copy`,
    );
  }
  assert.match(
    r.stdout,
    /^note: the WSDL is copied to wsdl\/a\/service\.wsdl, below wsdl\/, .*package\.json's gen script names it$/m,
  );
  // `npm run gen` regenerates it: the script names it beside the pattern of the WSDLs at the top,
  // which matches nothing here (sh then passes the pattern on as written, as cmd always does).
  const scripts = (
    JSON.parse(await readFile(path.join(folder, 'package.json'), 'utf8')) as {
      scripts: { gen: string };
    }
  ).scripts;
  assert.equal(scripts.gen, 'aes gen --wsdl wsdl/a/service.wsdl wsdl/*.wsdl --out generated');
  // The script's arguments, run from the project (the paths made absolute: tsx resolves from here).
  const args = scripts.gen
    .split(' ')
    .slice(1)
    .map((a) => (a.startsWith('wsdl/') ? path.join(folder, a) : a));
  const gen = runCli([...args.slice(0, -2), '--out', path.join(folder, 'regenerated')]);
  assert.equal(gen.status, 0, gen.stderr);
  assert.match(gen.stderr, /no file matches \S*wsdl\/\*\.wsdl; skipped/);
  assert.equal(
    await readFile(path.join(folder, 'regenerated', 'service', 'client.generated.ts'), 'utf8'),
    await readFile(path.join(folder, 'generated', 'service', 'client.generated.ts'), 'utf8'),
  );
  // The client and the endpoint's test read the copy, which node-soap and the mock resolve from.
  const client = await readFile(
    path.join(folder, 'generated', 'service', 'client.generated.ts'),
    'utf8',
  );
  assert.match(
    client,
    /const WSDL = new URL\('\.\.\/\.\.\/wsdl\/a\/service\.wsdl', import\.meta\.url\)/,
  );
  const types = await readFile(
    path.join(folder, 'generated', 'service', 'types.generated.ts'),
    'utf8',
  );
  assert.match(types, /export type MessageId = string;/);
  const endpointTest = await readFile(path.join(folder, 'test', 'reach-in.test.ts'), 'utf8');
  assert.ok(endpointTest.includes("new URL('../wsdl/a/service.wsdl', import.meta.url)"));
  generatedPasses(folder, 'reach-in');
  typeChecks(folder);
});

test('an include of a file that does not exist: refused, naming where and what, nothing written', async () => {
  await using tmp = await tempDir('aes-wsdl-copy-');
  const folder = await linkedProject(tmp.path);
  const before = await snapshot(folder);
  const r = runCli([
    'endpoint',
    'create',
    '--project',
    folder,
    ...inbound('broken-in', path.join(REACH, 'b', 'service.wsdl'), 'Put'),
  ]);
  assert.equal(r.status, 1, r.stdout);
  const [line = ''] = r.stderr.split('\n');
  assert.match(line, /^aes: error \[WSDL_NOT_FOUND\]: /);
  // The including document and its line, then the document that is missing.
  assert.match(
    line,
    /\/types\/u\.xsd:5:\d+: imported document '[^']*\/types\/common\/absent\.xsd' cannot be read \(ENOENT\)$/,
  );
  assert.doesNotMatch(r.stdout, /created/);
  assert.deepEqual(await snapshot(folder), before);
});

test('ihe-hpd-iti58, whose WSDL includes ../schema/DSMLv2.xsd: created, compiles, its test passes', async () => {
  await using tmp = await tempDir('aes-wsdl-copy-hpd-');
  const folder = await linkedProject(tmp.path);
  // The two fields its refusals ask for (ambiguous-corpus.test.ts lists the candidates).
  const r = runCli([
    'endpoint',
    'create',
    '--project',
    folder,
    ...inbound(
      'hpd-in',
      path.join(CORPUS, 'ihe-hpd-iti58', 'wsdl', 'iti58.wsdl'),
      'ProviderInformationQueryRequest',
      [
        '--message-id-field',
        'attributes.requestID',
        '--payload-field',
        'authRequest.attributes.principal',
      ],
    ),
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /created endpoint 'hpd-in'/);
  assert.deepEqual(await wsdlFolder(folder), ['schema/DSMLv2.xsd', 'wsdl/iti58.wsdl']);
  generatedPasses(folder, 'hpd-in');
  typeChecks(folder);
});

test('the copy plan: layout kept under the folder holding them all; catalog schemas stay out', async () => {
  const plan = async (root: string): Promise<[string, string[]]> => {
    const p = planWsdlCopy(await loadWsdl(root));
    return [p.wsdl, p.documents.map((d) => d.target)];
  };
  // Everything in the WSDL's folder or below: the WSDL stays at the top of wsdl/, as ever.
  assert.deepEqual(await plan(path.join(CORPUS, 'ihe-xds-iti41', 'iti41.wsdl')), [
    'iti41.wsdl',
    [
      'iti41.wsdl',
      'schema/IHE/IHEXDSB.xsd',
      'schema/ebRS30/rs.xsd',
      'schema/ebRS30/rim.xsd',
      'schema/xml.xsd',
      'schema/IHE/xcf.xsd',
      'schema/ebRS30/lcm.xsd',
      'schema/ebRS30/query.xsd',
    ],
  ]);
  // Two levels up from the WSDL (NetSuite's messages import ../../platform/*.xsd).
  assert.deepEqual(
    await plan(path.join(CORPUS, 'nodesoap-netsuite-2013', 'wsdl', 'strict', 'Netsuite.wsdl')),
    [
      'wsdl/strict/Netsuite.wsdl',
      [
        'wsdl/strict/Netsuite.wsdl',
        'wsdl/strict/NetSuitePlatform.messages.xsd',
        'platform/platform.core.xsd',
        'platform/platform.coreTypes.xsd',
        'platform/platform.faultTypes.xsd',
      ],
    ],
  );
  // Sibling folders of the WSDL's, one reached through an include in its own folder.
  assert.deepEqual(
    (await plan(path.join(CORPUS, 'imposter-xsd-import-include', 'PetService', 'service.wsdl')))[1]
      .slice()
      .sort(),
    [
      'PetService/schema-include.xsd',
      'PetService/service.wsdl',
      'import/import.xsd',
      'import/schema-import.xsd',
      'include/include.xsd',
    ],
  );

  // A standard schema imported by URL is read from the built-in catalog, and not copied.
  await using tmp = await tempDir('aes-wsdl-copy-plan-');
  await mkdir(path.join(tmp.path, 'types'));
  await writeFile(
    path.join(tmp.path, 'types', 'local.xsd'),
    `<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:local">
  <xsd:import namespace="http://www.w3.org/2005/05/xmlmime" schemaLocation="http://www.w3.org/2005/05/xmlmime"/>
  <xsd:element name="Doc" type="xsd:base64Binary"/>
</xsd:schema>\n`,
  );
  const wsdl = path.join(tmp.path, 'api', 'service.wsdl');
  await mkdir(path.dirname(wsdl));
  await writeFile(
    wsdl,
    `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:api">
  <import namespace="urn:local" location="../types/local.xsd"/>
</definitions>\n`,
  );
  const loaded = await loadWsdl(wsdl);
  assert.ok(
    loaded.files.some((f) => f.startsWith(standardSchemaDir())),
    `the catalog's xmlmime.xsd was not read: ${loaded.files.join(', ')}`,
  );
  assert.deepEqual(await plan(wsdl), ['api/service.wsdl', ['api/service.wsdl', 'types/local.xsd']]);
});
