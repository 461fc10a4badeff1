/**
 * `aes endpoint create`'s questions on a pseudo-terminal (issue 20): a refused answer is explained and
 * asked again with every earlier answer kept; five refusals in a row, or the end of the input, stop it
 * with the error and nothing written; Tab completes the WSDL's path. Piped into, it asks nothing. A
 * record field without clear evidence is asked with its candidates; a path typed beyond them is
 * taken when its flag would take it, else asked again.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import {
  aesOk,
  ENDPOINT_FLAGS,
  REPO_ROOT,
  runCli,
  snapshot,
  SOURCE_WSDL,
  tempDir,
} from '../scaffold/support.js';
import { corpusDir } from '../codegen/support.js';
import { CTRL_D, runOnTerminal, SCRIPT_MISSING, type Keys } from '../support/terminal.js';

const skip = SCRIPT_MISSING;

/** A new project in a new temp folder. */
async function project(prefix: string): Promise<AsyncDisposable & { readonly path: string }> {
  const tmp = await tempDir(prefix);
  aesOk(['create', tmp.path, '--name', 'shop', '--aes', `file:${REPO_ROOT}`]);
  return tmp;
}

/** `aes endpoint create --project <dir>` on a terminal that edits lines (Tab works). */
function wizard(dir: string, keys: readonly Keys[]): ReturnType<typeof runOnTerminal> {
  return runOnTerminal(['endpoint', 'create', '--project', dir], keys, { term: 'xterm' });
}

/** Inbound, named orders-in: up to the WSDL's question. */
const UP_TO_WSDL: readonly Keys[] = [
  ['> ', '2\r'],
  ['Endpoint name: ', 'orders-in\r'],
];

test(
  'a mistyped WSDL path is asked again, the earlier answers kept; Tab completes the path',
  { skip },
  async () => {
    await using tmp = await project('aes-wizard-retry-');
    const wsdls = path.join(tmp.path, 'w');
    await mkdir(path.join(wsdls, 'sub'), { recursive: true });
    await copyFile(SOURCE_WSDL, path.join(wsdls, 'source.wsdl'));
    await writeFile(path.join(tmp.path, 'broken.xml'), 'not a WSDL');

    const run = await wizard(tmp.path, [
      ['> ', 'out'],
      ['out', '\t'], // the choice's name completed
      ['bound', '\r'],
      ['> ', '1\r'],
      ['Endpoint name: ', 'orders out\r'], // not a name
      ['Endpoint name: ', 'orders-out\r'],
      ['(path or URL): ', `${wsdls}/nope.wsdl\r`], // no such file
      ['(path or URL): ', `${tmp.path}/broken.xml\r`], // does not parse
      ['(path or URL): ', `${wsdls}/`],
      ['w/', '\t'], // the common prefix of source.wsdl and sub/: "s"
      ['s', '\t'], // a double Tab lists both
      ['sub/', 'o'],
      ['o', '\t'], // the one candidate: source.wsdl
      ['urce.wsdl', '\r'],
      ['Operation for pop:', '3\r'], // Popped: its response holds no record
      ['> ', '2\r'],
      ['Operation for popped:', '3\r'],
      ['optional', '\r'],
      ['Destination to publish to [/queue/orders-out]: ', '\r'],
    ]);
    assert.equal(run.code, 0, run.output);
    assert.equal(run.typed, 19, run.output);
    assert.match(run.output, /'orders out' is not an endpoint name/);
    assert.match(run.output, new RegExp(`no such file '${wsdls}/nope.wsdl'`));
    assert.match(run.output, /broken\.xml:1:2: malformed XML/);
    assert.match(run.output, /source\.wsdl\r\r\nsub\//); // the double Tab's list
    assert.match(run.output, /\r\n {2}[^\r]*'Popped'[^\r]*\r\n.*> /); // refused, asked again
    assert.match(run.output, /created endpoint 'orders-out'/);
    const config = JSON.parse(await readFile(path.join(tmp.path, 'aes.config.json'), 'utf8')) as {
      endpoints: { overrides: Record<string, unknown> };
    };
    assert.ok('orders-out' in config.endpoints.overrides);
    const endpoint = await readFile(
      path.join(tmp.path, 'endpoints', 'orders-out', 'orders-out.ts'),
      'utf8',
    );
    assert.match(endpoint, /\/queue\/orders-out/); // the default destination, from the name kept
  },
);

test('five refused answers in a row stop with the error, nothing written', { skip }, async () => {
  await using tmp = await project('aes-wizard-five-');
  const before = await snapshot(tmp.path);
  const run = await wizard(tmp.path, [
    ...UP_TO_WSDL,
    ...[1, 2, 3, 4, 5].map((i): Keys => ['(path or URL): ', `nope-${i}.wsdl\r`]),
  ]);
  assert.equal(run.code, 2, run.output); // SCAFFOLD_USAGE: a usage error
  assert.equal(run.typed, 7, run.output);
  assert.match(run.output, /no such file 'nope-4\.wsdl'/);
  assert.match(run.output, /5 answers refused in a row: giving up/);
  assert.match(run.output, /aes: error \[SCAFFOLD_USAGE\]: --wsdl: no such file 'nope-5\.wsdl'/);
  assert.deepEqual(await snapshot(tmp.path), before);
});

test(
  'the end of the input (Ctrl-D) stops with a clear error, nothing written',
  { skip },
  async () => {
    await using tmp = await project('aes-wizard-eof-');
    const before = await snapshot(tmp.path);

    const atName = await wizard(tmp.path, [
      ['> ', '2\r'],
      ['Endpoint name: ', CTRL_D],
    ]);
    assert.equal(atName.code, 2, atName.output);
    assert.match(
      atName.output,
      /aes: error \[SCAFFOLD_USAGE\]: input ended before an answer to: Endpoint name:/,
    );

    // After a refused answer, the refusal is what went wrong.
    const afterRefusal = await wizard(tmp.path, [
      ...UP_TO_WSDL,
      ['(path or URL): ', 'nope.wsdl\r'],
      ['(path or URL): ', CTRL_D],
    ]);
    assert.equal(afterRefusal.code, 2, afterRefusal.output);
    assert.match(
      afterRefusal.output,
      /aes: error \[SCAFFOLD_USAGE\]: --wsdl: no such file 'nope\.wsdl'/,
    );
    assert.deepEqual(await snapshot(tmp.path), before);
  },
);

test('answers piped in are not read: it asks nothing and names the missing flags', async () => {
  await using tmp = await project('aes-wizard-piped-');
  const before = await snapshot(tmp.path);
  const r = runCli(['endpoint', 'create', '--project', tmp.path], {
    input: `2\norders-in\n${SOURCE_WSDL}\n1\n\n\n/queue/orders\n`,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.doesNotMatch(r.stdout, /Inbound or outbound\?/);
  assert.match(r.stderr, /not a terminal, so nothing can be asked: give --kind, --name, --wsdl/);
  assert.deepEqual(await snapshot(tmp.path), before);
});

test('the name of an endpoint that exists is asked again', { skip }, async () => {
  await using tmp = await project('aes-wizard-exists-');
  aesOk(['endpoint', 'create', '--project', tmp.path, ...(ENDPOINT_FLAGS['orders-in'] ?? [])]);
  const before = await snapshot(tmp.path);
  const run = await wizard(tmp.path, [
    ['> ', '2\r'],
    ['Endpoint name: ', 'orders-in\r'],
    ['Endpoint name: ', CTRL_D],
  ]);
  assert.equal(run.code, 1, run.output); // SCAFFOLD_EXISTS
  assert.match(
    run.output,
    /endpoint 'orders-in' exists already \(.*\); --force re-creates it\r\n.*Endpoint name: /,
  );
  assert.match(run.output, /aes: error \[SCAFFOLD_EXISTS\]: endpoint 'orders-in' exists already/);
  assert.deepEqual(await snapshot(tmp.path), before);
});

test('Ctrl-C ends it at once as SIGINT does, nothing written', { skip }, async () => {
  await using tmp = await project('aes-wizard-sigint-');
  const before = await snapshot(tmp.path);
  const run = await wizard(tmp.path, [
    ['> ', '2\r'],
    ['Endpoint name: ', 'orders'],
    ['orders', '\x03'],
  ]);
  assert.equal(run.code, 130, run.output); // 128 + SIGINT, as `script -e` reports a signal
  assert.deepEqual(await snapshot(tmp.path), before);
});

test(
  'a field without clear evidence is asked, its candidates listed as paths with types (EWS)',
  { skip },
  async () => {
    await using tmp = await project('aes-wizard-fields-');
    const ews = path.join(REPO_ROOT, 'test', 'scaffold', 'fixtures', 'ews', 'services.wsdl');
    const run = await runOnTerminal(
      [
        'endpoint',
        'create',
        '--project',
        tmp.path,
        '--kind',
        'outbound',
        '--phase',
        'single',
        '--name',
        'mail-out',
        '--wsdl',
        ews,
        '--pop',
        'FindItem',
        '--popped',
        'DeleteItem',
        '--destination',
        '/queue/mail',
      ],
      [
        ['> ', 'nope\r'], // neither a candidate nor a path of the response: asked again
        ['> ', '3\r'], // ...Message[].ItemId.attributes.Id
        [SAMPLE_QUESTION, '\r'], // no captured response to check it against
      ],
      { term: 'xterm' },
    );
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /Where does the 'FindItem' response carry the record id\?/);
    assert.match(run.output, /--id-field says it without asking/);
    assert.match(
      run.output,
      / {2}3\) ResponseMessages\.FindItemResponseMessage\[\]\.RootFolder\.Items\.Message\[\]\.ItemId\.attributes\.Id: string/,
    );
    assert.ok(
      run.output.includes(
        "--id-field 'nope': the response of 'FindItem' has no field 'nope' (its fields: ResponseMessages)",
      ),
      run.output,
    );
    assert.match(run.output, /created endpoint 'mail-out'/);
    const code = await readFile(
      path.join(tmp.path, 'endpoints', 'mail-out', 'mail-out.ts'),
      'utf8',
    );
    assert.match(code, /id: item\.ItemId\?\.attributes\?\.Id/);
  },
);

/**
 * The end of the question after a field chosen at the wizard: a captured message to check the
 * choice against (`--sample`); Enter leaves it out.
 */
const SAMPLE_QUESTION = '(a file; none to skip) [none]: ';

/** nodesoap-list-parameter's `GetTimesheetValues` as put: four text fields, none named a payload. */
const TIMESHEET_FLAGS = [
  '--kind',
  'inbound',
  '--wsdl',
  path.join(corpusDir(), 'nodesoap-list-parameter', 'list_parameter.wsdl'),
  '--put',
  'GetTimesheetValues',
  '--destination',
  '/queue/timesheets',
];

/** The payload question of {@link TIMESHEET_FLAGS} answered by `keys`, on a terminal. */
function timesheetWizard(dir: string, name: string, keys: readonly Keys[]) {
  return runOnTerminal(
    ['endpoint', 'create', '--project', dir, '--name', name, ...TIMESHEET_FLAGS],
    keys,
    { term: 'xterm' },
  );
}

test(
  'a field question takes a path typed beyond the candidates listed (a deeper one, through a list)',
  { skip },
  async () => {
    await using tmp = await project('aes-wizard-typed-path-');
    const deeper = 'input.FilterList.Filter[].Value';
    const run = await timesheetWizard(tmp.path, 'sheets-in', [
      ['> ', `${deeper}\r`],
      [SAMPLE_QUESTION, '\r'],
    ]);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /carry the message's payload \(JSON text\)\?/);
    assert.match(run.output, / {2}1\) input\.RequestType: string\r?\n/);
    // The path typed is not among those listed: only fields outside lists are.
    assert.doesNotMatch(run.output, /\d+\) input\.FilterList/);
    assert.match(run.output, /created endpoint 'sheets-in'/);
    const code = await readFile(
      path.join(tmp.path, 'endpoints', 'sheets-in', 'sheets-in.ts'),
      'utf8',
    );
    assert.match(code, /Filter: \[\{[^\]]*Value: JSON\.stringify\(delivery\.payload\)/);
    assert.doesNotMatch(code, /RequestType: JSON\.stringify/);
  },
);

test(
  'a typed path that is not in the message, or names a field of the wrong type, is asked again',
  { skip },
  async () => {
    await using tmp = await project('aes-wizard-bad-path-');
    const run = await timesheetWizard(tmp.path, 'sheets-in', [
      ['> ', 'input.FilterList.Filter.Nope\r'], // no such field
      ["has no field 'Nope'", 'input.FilterList\r'], // an object, not text
      ['is not a string field', '99\r'], // a number out of the list's range
      ['is not one of the choices', 'input.RequestType\r'], // a listed path, typed without its type
      [SAMPLE_QUESTION, '\r'],
    ]);
    assert.equal(run.typed, 5, run.output);
    assert.equal(run.code, 0, run.output);
    assert.ok(
      run.output.includes(
        "--payload-field 'input.FilterList.Filter.Nope': 'input.FilterList.Filter[]' has no field 'Nope' (its fields: Name, Value)",
      ),
      run.output,
    );
    assert.ok(
      run.output.includes(
        "--payload-field 'input.FilterList' (object) is not a string field of the request of 'GetTimesheetValues'",
      ),
      run.output,
    );
    assert.match(run.output, /'99' is not one of the choices: answer 1-4 or a name/);
    // Each refusal is followed by the same question's prompt, the list not repeated.
    assert.equal(run.output.match(/No clear evidence \(--payload-field says it/g)?.length, 1);
    // (the terminal's cursor moves before the prompt)
    assert.match(run.output, /has no field 'Nope'[^\n]*\r?\n(?:\x1B\[\d*[A-Z])*> /);
    assert.match(run.output, /created endpoint 'sheets-in'/);
    const code = await readFile(
      path.join(tmp.path, 'endpoints', 'sheets-in', 'sheets-in.ts'),
      'utf8',
    );
    assert.match(code, /RequestType: JSON\.stringify\(delivery\.payload\)/);
  },
);

test(
  'after the id and popped questions it asks for captures to check them; the generated test runs all three checks',
  { skip },
  async () => {
    await using tmp = await project('aes-wizard-sample-');
    const { linkSources, runGeneratedTest } = await import('../scaffold/generated-run.js');
    await linkSources(tmp.path);
    const fixtures = path.join(REPO_ROOT, 'test', 'scaffold', 'fixtures', 'tickets');
    const run = await runOnTerminal(
      [
        'endpoint',
        'create',
        '--project',
        tmp.path,
        '--kind',
        'outbound',
        '--phase',
        'single',
        '--name',
        'tickets-out',
        '--wsdl',
        path.join(fixtures, 'tickets.wsdl'),
        '--pop',
        'NextTickets',
        '--popped',
        'Close',
        '--destination',
        '/queue/tickets',
      ],
      [
        ['> ', '1\r'], // ticket[].ticketId
        ['> ', '1\r'], // handleId
        [SAMPLE_QUESTION, `${path.join(fixtures, 'next-tickets.response.xml')}\r`],
        ['(comma-separated): ', 'T-9001,T-9001\r'], // refused: twice
        ['(comma-separated): ', 'T-9001,T-9002\r'],
        [SAMPLE_QUESTION, `${path.join(fixtures, 'next-tickets.response.xml')}\r`], // not a Close request
        [SAMPLE_QUESTION, `${path.join(fixtures, 'close.request.xml')}\r`],
      ],
      { term: 'xterm' },
    );
    assert.equal(run.code, 0, run.output);
    assert.equal(run.typed, 7, run.output);
    assert.match(run.output, /a 'NextTickets' response captured from it/);
    assert.match(run.output, /--sample-ids names 'T-9001' twice/);
    assert.match(run.output, /And a 'Close' request captured from the source/);
    assert.match(run.output, /the body holds <NextTicketsResponse> \(.*\), not <Close>/);
    assert.doesNotMatch(run.output, /only against itself/);
    assert.match(run.output, /created endpoint 'tickets-out'/);
    const generated = runGeneratedTest(tmp.path, 'tickets-out');
    assert.equal(generated.status, 0, generated.stdout);
    assert.match(generated.stdout, /ℹ pass 3\b/, generated.stdout);
  },
);
