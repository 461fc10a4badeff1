/**
 * Issue 20, "scaffolds that never guess silently": a field is wired on clear evidence only, else a
 * flag says it and, without one, `aes endpoint create` refuses with the first candidates (bounded,
 * whatever the WSDL's size) and writes nothing; a structured record is published whole. The
 * generated tests are run too (generated-run.ts): they pass, and fail when the wiring is wrong.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createEndpoint, type EndpointAnswers } from '../../scaffold/index.js';
import { linkSources, runGeneratedTest } from './generated-run.js';
import {
  ENDPOINT_FLAGS,
  FLAT_ENDPOINTS,
  newProject,
  REPO_ROOT,
  runCli,
  snapshot,
  tempDir,
} from './support.js';

const EWS_WSDL = fileURLToPath(new URL('./fixtures/ews/services.wsdl', import.meta.url));
const CORPUS = path.join(REPO_ROOT, '..', 'shared', 'wsdl');
const SALESFORCE_WSDL = path.join(CORPUS, 'salesforce-partner', 'partner.wsdl');
const METADATA_WSDL = path.join(CORPUS, 'salesforce-metadata-v63', 'metadata.wsdl');
const DEMO = path.join(REPO_ROOT, 'demo', 'wsdl');

const EWS_ID =
  'ResponseMessages.FindItemResponseMessage[].RootFolder.Items.Message[].ItemId.attributes.Id';

const EWS_FLAGS = [
  '--kind',
  'outbound',
  '--phase',
  'single',
  '--name',
  'mail-out',
  '--wsdl',
  EWS_WSDL,
  '--pop',
  'FindItem',
  '--popped',
  'DeleteItem',
  '--destination',
  '/queue/mail',
];

/** Runs the project's generated test of `name`; fails with its output unless it passes. */
function generatedPasses(folder: string, name: string): void {
  const r = runGeneratedTest(folder, name);
  assert.equal(r.status, 0, `test/${name}.test.ts failed:\n${r.stdout}\n${r.stderr}`);
}

test('EWS FindItem/DeleteItem without flags: refused, candidates named, nothing written', async () => {
  await using tmp = await tempDir('aes-evidence-');
  const folder = await newProject(tmp.path);
  const before = await snapshot(folder);
  const r = runCli(['endpoint', 'create', '--project', folder, ...EWS_FLAGS]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /\[SCAFFOLD_AMBIGUOUS\]/);
  assert.match(r.stderr, /has 5 fields named like an id; not guessing: give --id-field <path>/);
  // Candidates are paths with their types, the id-like ones first.
  assert.ok(r.stderr.includes(`${EWS_ID}: string`), r.stderr);
  assert.match(r.stderr, /and \d+ more\)/);
  assert.doesNotMatch(r.stdout, /created/);
  assert.deepEqual(await snapshot(folder), before);
});

test('EWS with --id-field: DeleteItem takes the id by its name, the generated test passes', async () => {
  await using tmp = await tempDir('aes-evidence-');
  const folder = await newProject(tmp.path);
  const r = runCli(['endpoint', 'create', '--project', folder, ...EWS_FLAGS, '--id-field', EWS_ID]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /note: the record's payload is the whole record at '.*Message\[\]' as JSON/,
  );
  const code = await readFile(path.join(folder, 'endpoints', 'mail-out', 'mail-out.ts'), 'utf8');
  assert.match(code, /flatMap\(\(l1\) => l1\.RootFolder\?\.Items\?\.Message \?\? \[\]\)/);
  assert.match(code, /ItemId: \[\{\s+attributes: \{\s+Id: fifoId,/);
  assert.doesNotMatch(code, /SuppressReadReceipts/);
  await linkSources(folder);
  generatedPasses(folder, 'mail-out');

  // The issue's wiring, on purpose: the id put into attributes.SuppressReadReceipts. Its test fails.
  const file = path.join(folder, 'endpoints', 'mail-out', 'mail-out.ts');
  const wrong = code.replace(
    /ItemIds: \{[^]*?\n {4}\},\n {4}attributes: \{\n {6}DeleteType: 'HardDelete',/,
    "ItemIds: {},\n    attributes: {\n      DeleteType: 'HardDelete',\n      SuppressReadReceipts: fifoId,",
  );
  assert.notEqual(wrong, code);
  await writeFile(file, wrong);
  const r2 = runGeneratedTest(folder, 'mail-out');
  assert.notEqual(r2.status, 0, `${r2.stdout}\n${r2.stderr}`);
  assert.match(r2.stdout, /the source refused a DeleteItem request/);
});

test('Salesforce query: the sObject record is the JSON payload as a whole; its test passes', async () => {
  await using tmp = await tempDir('aes-evidence-');
  const folder = await newProject(tmp.path);
  const created = await createEndpoint({
    project: folder,
    kind: 'outbound',
    phase: 'single',
    name: 'accounts-out',
    wsdl: SALESFORCE_WSDL,
    pop: 'query',
    popped: 'delete',
    destination: '/queue/accounts',
  });
  assert.deepEqual(created.notes, [
    "the record's payload is the whole record at 'result.records[]' as JSON (no single field of it is named as a payload); --payload-field picks one field instead",
  ]);
  const code = await readFile(
    path.join(folder, 'endpoints', 'accounts-out', 'accounts-out.ts'),
    'utf8',
  );
  // The record id is sObject's Id; delete takes it as its list of ids (`ids`, Id's plural).
  assert.match(code, /id: item\.Id/);
  assert.match(code, /payload: JSON\.parse\(JSON\.stringify\(item \?\? null\)\) as JsonValue/);
  assert.match(code, /ids: \[fifoId\]/);
  await linkSources(folder);
  generatedPasses(folder, 'accounts-out');
});

test('a wrong field read by the endpoint fails its generated test (sample data elsewhere)', async () => {
  await using tmp = await tempDir('aes-evidence-');
  const folder = await newProject(tmp.path);
  const answers = FLAT_ENDPOINTS.find((e) => e.name === 'flat-out');
  assert.ok(answers);
  await createEndpoint({ ...answers, project: folder });
  await linkSources(folder);
  generatedPasses(folder, 'flat-out');
  const file = path.join(folder, 'endpoints', 'flat-out', 'flat-out.ts');
  const code = await readFile(file, 'utf8');
  // Read the record's status (sample data, the same for every record) as its id.
  const wrong = code.replace(
    'records.push({ id: item.id,',
    'records.push({ id: String(item.status),',
  );
  assert.notEqual(wrong, code);
  await writeFile(file, wrong);
  const r = runGeneratedTest(folder, 'flat-out');
  assert.notEqual(r.status, 0, `${r.stdout}\n${r.stderr}`);
});

test('clear evidence still scaffolds without flags: the demo, the examples, flat messages', async () => {
  await using tmp = await tempDir('aes-evidence-');
  const folder = await newProject(tmp.path);
  const wired: EndpointAnswers[] = [
    {
      kind: 'outbound',
      phase: 'single',
      name: 'demo-out',
      wsdl: path.join(DEMO, 'source-system.wsdl'),
      pop: 'Pop',
      popped: 'Popped',
      destination: '/queue/demo',
    },
    {
      kind: 'outbound',
      phase: 'double',
      name: 'demo-docs',
      wsdl: path.join(DEMO, 'source-system.wsdl'),
      pop: 'Pop',
      popped: 'Popped',
      build: 'Build',
      destination: '/queue/demo-docs',
    },
    {
      kind: 'inbound',
      name: 'demo-in',
      wsdl: path.join(DEMO, 'target-system.wsdl'),
      put: 'Put',
      destination: '/queue/demo',
    },
    ...FLAT_ENDPOINTS,
  ];
  for (const answers of wired) {
    const created = await createEndpoint({ ...answers, project: folder });
    // (A lookup found by its name is noted, as before: that is not a field of the record.)
    const notes = created.notes.filter((n) => !n.startsWith('alreadyDelivered()'));
    assert.deepEqual(notes, [], answers.name);
  }
  for (const flags of Object.values(ENDPOINT_FLAGS)) {
    const r = runCli(['endpoint', 'create', '--project', folder, ...flags]);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /note: the record's payload/);
  }
  await linkSources(folder);
  generatedPasses(folder, 'demo-in');
});

test('a refusal over a 1.5 MB WSDL is one bounded line', async () => {
  await using tmp = await tempDir('aes-evidence-');
  const folder = await newProject(tmp.path);
  const r = runCli([
    'endpoint',
    'create',
    '--project',
    folder,
    '--kind',
    'outbound',
    '--phase',
    'single',
    '--name',
    'deploys',
    '--wsdl',
    METADATA_WSDL,
    '--pop',
    'checkDeployStatus',
    '--popped',
    'deploy',
    '--destination',
    '/queue/deploys',
  ]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /\[SCAFFOLD_AMBIGUOUS\].*--id-field.* and (\d+) more\)\n$/);
  const more = Number(/and (\d+) more/.exec(r.stderr)?.[1]);
  assert.ok(more >= 50, r.stderr);
  assert.ok(r.stderr.length < 2_000, `${r.stderr.length} characters`);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
});
