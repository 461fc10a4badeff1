/**
 * The acceptance test, over real corpus WSDLs of five shapes where the right wiring is
 * ambiguous: without the field's flag (and without a terminal) `aes endpoint create` refuses with
 * `SCAFFOLD_AMBIGUOUS`, naming the flag and the candidates as `path: type`, bounded, writing
 * nothing; with the right path the endpoint is created and its generated test passes; the wizard,
 * on a pseudo-terminal, asks for the field and lists the candidates.
 *
 * A wrong but type-valid candidate fails its generated test when the endpoint is made with a
 * message captured from the system (`--sample`, test/scaffold/samples/): the ids of the records
 * in a captured pop response, or where a captured put request holds the document, come from the
 * system's data, not from the path chosen. Without a sample nothing in the WSDL tells `Id` from
 * `CategoryId`: the generated test then checks the wiring against itself only, and the scaffold
 * says so in a note (docs/scaffolding.md, "Checking the wiring against a captured sample").
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { typeCheckProject } from './project-typecheck.js';
import { runOnTerminal, SCRIPT_MISSING } from '../support/terminal.js';
import { linkedProject, runGeneratedTest } from './generated-run.js';
import {
  assertListedOnce,
  listedCandidates,
  newProject,
  REPO_ROOT,
  runCli,
  snapshot,
  tempDir,
} from './support.js';

const CORPUS = path.join(REPO_ROOT, '..', 'shared', 'wsdl');

const SAMPLES = path.join(REPO_ROOT, 'test', 'scaffold', 'samples');

interface AmbiguousCase {
  /** The corpus entry and its shape. */
  readonly label: string;
  /** The endpoint's flags, every one but the ambiguous field's. */
  readonly flags: readonly string[];
  /** The flag the refusal names. */
  readonly flag: string;
  readonly right: string;
  readonly wrong: string;
  /** How `right` and `wrong` are listed among the candidates (`path: type`). */
  readonly rightListed: string;
  readonly wrongListed: string;
  /** The right candidate's number in the wizard's list, for the cases asked on a terminal. */
  readonly rightNumber?: number;
  /** A message captured from the system, and what the user states of it (`--sample…` flags). */
  readonly sample: readonly string[];
  /** A popped request captured too (`--sample-popped`), and a wrong `--popped-id-field`. */
  readonly popped?: { readonly sample: string; readonly wrong: string };
}

/** An outbound case's sample: a pop response in samples/ and the ids of its records. */
function popSample(file: string, ids: string): string[] {
  return ['--sample', path.join(SAMPLES, file), '--sample-ids', ids];
}

/** An inbound case's sample: a put request in samples/ and the document it carried. */
function putSample(file: string, payload: string): string[] {
  return ['--sample', path.join(SAMPLES, file), '--sample-payload', path.join(SAMPLES, payload)];
}

function outbound(wsdl: string, pop: string, popped: string): string[] {
  return [
    '--kind',
    'outbound',
    '--phase',
    'single',
    '--wsdl',
    path.join(CORPUS, wsdl),
    '--pop',
    pop,
    '--popped',
    popped,
    '--destination',
    '/queue/records',
  ];
}

function inbound(wsdl: string, put: string): string[] {
  return [
    '--kind',
    'inbound',
    '--wsdl',
    path.join(CORPUS, wsdl),
    '--put',
    put,
    '--destination',
    '/queue/records',
  ];
}

const CASES: readonly AmbiguousCase[] = [
  {
    // ASMX-style, SOAP 1.1 and 1.2 ports, ArrayOfX wrappers, numeric ids: five id-like fields.
    label: 'wtc-products GetProducts/DeleteProducts (SOAP 1.1+1.2, arrays)',
    flags: outbound('wtc-products/products.wsdl', 'GetProducts', 'DeleteProducts'),
    flag: '--id-field',
    right: 'GetProductsResult.Product[].Id',
    wrong: 'GetProductsResult.Product[].CategoryId',
    rightListed: 'GetProductsResult.Product[].Id: number',
    wrongListed: 'GetProductsResult.Product[].CategoryId: number',
    rightNumber: 2,
    sample: popSample('wtc-products.GetProducts.response.xml', '4711,4712,4719'),
    // DeleteProducts takes products, each with the same five id-like fields.
    popped: {
      sample: path.join(SAMPLES, 'wtc-products.DeleteProducts.request.xml'),
      wrong: 'products.Product[].CategoryId',
    },
  },
  {
    // Document/literal with a list nested in the response: an id beside the list and one in it.
    label: 'nodesoap-list-parameter GetTimesheet/DeleteTimesheetEntry (doc/literal, nested list)',
    flags: outbound(
      'nodesoap-list-parameter/list_parameter.wsdl',
      'GetTimesheet',
      'DeleteTimesheetEntry',
    ),
    flag: '--id-field',
    right: 'GetTimesheetResult.PeriodList.PeriodType[].PeriodId',
    wrong: 'GetTimesheetResult.ResourceId',
    rightListed: 'GetTimesheetResult.PeriodList.PeriodType[].PeriodId: number',
    wrongListed: 'GetTimesheetResult.ResourceId: string',
    sample: popSample('nodesoap-list-parameter.GetTimesheet.response.xml', '202647,202648'),
  },
  {
    // SAP PI: two tables in the response, the stores and the BAPI return messages, each an id.
    label: 'nodesoap-sap-storedata GET_ALL_STORE_NUMBERS/GET_DATA (SAP, two lists)',
    flags: outbound('nodesoap-sap-storedata/soap.wsdl', 'GET_ALL_STORE_NUMBERS', 'GET_DATA'),
    flag: '--id-field',
    right: 'ET_ALL_STORES.item[].STORE_ID',
    wrong: 'ET_RETURN.item[].ID',
    rightListed: 'ET_ALL_STORES.item[].STORE_ID: string',
    wrongListed: 'ET_RETURN.item[].ID: string',
    sample: popSample(
      'nodesoap-sap-storedata.GET_ALL_STORE_NUMBERS.response.xml',
      '0104,0117,0230',
    ),
  },
  {
    // rpc/encoded: a struct holding a struct, a text field in each.
    label: 'axis2-interop-rpc-encoded echoNestedStruct (rpc/encoded, nested struct)',
    flags: inbound('axis2-interop-rpc-encoded/InteropTest.wsdl', 'echoNestedStruct'),
    flag: '--payload-field',
    right: 'inputStruct.varString',
    wrong: 'inputStruct.varStruct.varString',
    rightListed: 'inputStruct.varString: string',
    wrongListed: 'inputStruct.varStruct.varString: string',
    sample: putSample(
      'axis2-interop-rpc-encoded.echoNestedStruct.request.xml',
      'axis2-interop-rpc-encoded.echoNestedStruct.payload.json',
    ),
  },
  {
    // rpc/literal with type-based parts: two text fields of one part.
    label: 'cxf-rpc-lit sendReceiveData (rpc/literal)',
    flags: inbound('cxf-rpc-lit/hello_world_rpc_lit.wsdl', 'sendReceiveData'),
    flag: '--payload-field',
    right: 'in.elem1',
    wrong: 'in.elem2',
    rightListed: 'in.elem1: string',
    wrongListed: 'in.elem2: string',
    rightNumber: 1,
    sample: putSample(
      'cxf-rpc-lit.sendReceiveData.request.xml',
      'cxf-rpc-lit.sendReceiveData.payload.json',
    ),
  },
];

function create(folder: string, name: string, flags: readonly string[]): string {
  const r = runCli(['endpoint', 'create', '--project', folder, '--name', name, ...flags]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`created endpoint '${name}'`));
  return r.stdout;
}

/** The generated test's line for its check against the captured sample. */
const SAMPLE_CHECK = /captured (from the source|request)/;

for (const [i, c] of CASES.entries()) {
  test(c.label, async (t) => {
    await using tmp = await tempDir('aes-ambiguous-');
    const folder = await linkedProject(tmp.path);

    await t.test(`without ${c.flag}: refused, the candidates listed, nothing written`, async () => {
      const before = await snapshot(folder);
      const r = runCli(['endpoint', 'create', '--project', folder, '--name', 'nope', ...c.flags]);
      assert.notEqual(r.status, 0, r.stdout);
      const line = r.stderr.trimEnd();
      assert.match(line, /^aes: error \[SCAFFOLD_AMBIGUOUS\]: /);
      assert.ok(line.includes(`not guessing: give ${c.flag} <path> (candidates: `), line);
      assert.ok(line.includes(c.rightListed), line);
      assert.ok(line.includes(c.wrongListed), line);
      assertListedOnce(line);
      assert.equal(line.split('\n').length, 1);
      assert.ok(line.length < 2_000, `${line.length} characters`);
      assert.doesNotMatch(r.stdout, /created/);
      assert.deepEqual(await snapshot(folder), before);
    });

    await t.test(`${c.flag} ${c.right} with a sample: created, its generated test passes`, () => {
      const name = `case${i}-right`;
      const popped = c.popped === undefined ? [] : ['--sample-popped', c.popped.sample];
      const out = create(folder, name, [...c.flags, c.flag, c.right, ...c.sample, ...popped]);
      assert.doesNotMatch(out, /checks .* only against itself/);
      const r = runGeneratedTest(folder, name);
      assert.equal(r.status, 0, `test/${name}.test.ts failed:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, new RegExp(`ℹ pass ${c.popped === undefined ? 2 : 3}\\b`), r.stdout);
    });

    const { popped } = c;
    if (popped !== undefined) {
      await t.test(
        `--popped-id-field ${popped.wrong} (wrong) with --sample-popped: its generated test fails`,
        () => {
          const name = `case${i}-wrong-popped`;
          create(folder, name, [
            ...c.flags,
            c.flag,
            c.right,
            '--popped-id-field',
            popped.wrong,
            ...c.sample,
            '--sample-popped',
            popped.sample,
          ]);
          const r = runGeneratedTest(folder, name);
          assert.notEqual(
            r.status,
            0,
            `test/${name}.test.ts passed with the wrong --popped-id-field`,
          );
          const failed = r.stdout
            .split('\n')
            .filter((l) => l.startsWith('✖ ') && l !== '✖ failing tests:');
          assert.ok(failed.length > 0, r.stdout);
          assert.ok(
            failed.every((l) =>
              /removes a record as a \w+ request captured from the source did/.test(l),
            ),
            failed.join('\n'),
          );
        },
      );
    }

    await t.test(`${c.flag} ${c.wrong} (wrong) with the sample: its generated test fails`, () => {
      const name = `case${i}-wrong`;
      create(folder, name, [...c.flags, c.flag, c.wrong, ...c.sample]);
      const r = runGeneratedTest(folder, name);
      assert.notEqual(r.status, 0, `test/${name}.test.ts passed with the wrong ${c.flag}`);
      // It is the check against the sample that fails; the one against the mock cannot tell.
      const failed = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('✖ ') && l !== '✖ failing tests:');
      assert.ok(failed.length > 0, r.stdout);
      assert.ok(
        failed.every((l) => SAMPLE_CHECK.test(l)),
        failed.join('\n'),
      );
    });

    await t.test(
      `${c.flag} ${c.wrong} (wrong) without a sample: the note says what is unchecked`,
      () => {
        const out = create(folder, `case${i}-unsampled`, [...c.flags, c.flag, c.wrong]);
        assert.match(
          out,
          new RegExp(`note: the generated test checks ${c.flag} only against itself: --sample `),
        );
      },
    );

    await t.test('the project type-checks, under its tsconfig and plain strict', () => {
      assert.deepEqual(typeCheckProject(folder), []);
    });
  });
}

/** The one operation of IHE HPD (ITI-58), a DSMLv2 batch, whose types extend `DsmlMessage`. */
const HPD_OPERATION = 'ProviderInformationQueryRequest';

test('ihe-hpd-iti58 (DSMLv2, types extending a base): each refusal lists a candidate once', async (t) => {
  await using tmp = await tempDir('aes-ambiguous-hpd-');
  const folder = await newProject(tmp.path);
  const wsdl = 'ihe-hpd-iti58/wsdl/iti58.wsdl';
  const out = outbound(wsdl, HPD_OPERATION, HPD_OPERATION);
  const inb = inbound(wsdl, HPD_OPERATION);
  const refusal = (flags: readonly string[], flag: string): string => {
    const r = runCli(['endpoint', 'create', '--project', folder, '--name', 'hpd', ...flags]);
    const line = r.stderr.trimEnd();
    assert.match(line, /^aes: error \[SCAFFOLD_AMBIGUOUS\]: /);
    assert.ok(line.includes(`give ${flag} <path> (candidates: `), line);
    assertListedOnce(line);
    return line;
  };
  // The attribute requestID of DsmlMessage is inherited by every request and response type; each
  // is one field, reached once (not once through the base and once through the derived type).
  const id = 'searchResponse[].searchResultEntry[].attributes.requestID';
  await t.test('outbound, --id-field', () => {
    const line = refusal(out, '--id-field');
    assert.match(line, / has 13 fields named like an id;/);
    assert.equal(listedCandidates(line).listed[0], `${id}: string`);
  });
  await t.test('outbound, --popped-id-field', () => {
    const line = refusal([...out, '--id-field', id], '--popped-id-field');
    assert.match(line, / has 10 fields named like the record id;/);
  });
  await t.test('inbound, --message-id-field', () => {
    const line = refusal(inb, '--message-id-field');
    assert.deepEqual(listedCandidates(line), {
      listed: ['authRequest.attributes.requestID: string', 'attributes.requestID: string', 'none'],
      more: 0,
    });
  });
  await t.test('inbound, --payload-field', () => {
    const line = refusal([...inb, '--message-id-field', 'attributes.requestID'], '--payload-field');
    assert.deepEqual(listedCandidates(line), {
      listed: [
        'authRequest.attributes.requestID: string',
        'authRequest.attributes.principal: string',
      ],
      more: 0,
    });
  });
});

test(
  'on a terminal the wizard asks for the field, listing the candidates',
  { skip: SCRIPT_MISSING },
  async (t) => {
    await using tmp = await tempDir('aes-ambiguous-wizard-');
    const folder = await linkedProject(tmp.path);
    const asked: Record<string, RegExp> = {
      '--id-field': /Where does the '\w+' response carry the record id\?/,
      '--payload-field': /Where does the '\w+' request carry the message's payload \(JSON text\)\?/,
    };
    // One outbound and one inbound case, the right candidate chosen by its number.
    for (const [i, c] of CASES.filter((k) => k.rightNumber !== undefined).entries()) {
      await t.test(c.label, async () => {
        const name = `asked${i}`;
        // Then the sample: a file that is no capture (refused, asked again), the capture, and
        // what it holds: the ids of its records, or the document it carried.
        const [, capture = '', statement = '', stated = ''] = c.sample;
        const run = await runOnTerminal(
          ['endpoint', 'create', '--project', folder, '--name', name, ...c.flags],
          [
            ['> ', `${String(c.rightNumber)}\r`],
            [
              '(a file; none to skip) [none]: ',
              `${path.join(CORPUS, 'wtc-products', 'products.wsdl')}\r`,
            ],
            ['[none]: ', `${capture}\r`],
            [statement === '--sample-ids' ? '(comma-separated): ' : 'carried: ', `${stated}\r`],
          ],
          { term: 'xterm' },
        );
        assert.equal(run.code, 0, run.output);
        assert.match(run.output, /To check that choice against the (source|target)'s own data/);
        assert.match(
          run.output,
          /root element is <definitions> in http:\/\/schemas\.xmlsoap\.org\/wsdl\/, not a SOAP/,
        );
        assert.doesNotMatch(run.output, /only against itself/);
        const generated = runGeneratedTest(folder, name);
        assert.equal(generated.status, 0, generated.stdout);
        assert.match(generated.stdout, /ℹ pass 2\b/, generated.stdout);
        assert.match(run.output, asked[c.flag] ?? /never/);
        assert.ok(run.output.includes(`${c.flag} says it without asking`), run.output);
        for (const listed of [c.rightListed, c.wrongListed])
          assert.match(
            run.output,
            new RegExp(` {2}\\d+\\) ${listed.replace(/[.[\]]/g, '\\$&')}\r?\n`),
          );
        assert.ok(
          run.output.includes(`  ${String(c.rightNumber)}) ${c.rightListed}`),
          `${c.right} is not ${String(c.rightNumber)}):\n${run.output}`,
        );
        assert.match(run.output, new RegExp(`created endpoint '${name}'`));
      });
    }
    await t.test(
      'the sample question left with Enter: created, the note says what is unchecked',
      async () => {
        const c = CASES.find((k) => k.rightNumber !== undefined && k.flag === '--payload-field');
        assert.ok(c);
        const run = await runOnTerminal(
          ['endpoint', 'create', '--project', folder, '--name', 'unsampled', ...c.flags],
          [
            ['> ', `${String(c.rightNumber)}\r`],
            ['(a file; none to skip) [none]: ', '\r'],
          ],
          { term: 'xterm' },
        );
        assert.equal(run.code, 0, run.output);
        assert.match(run.output, /created endpoint 'unsampled'/);
        assert.match(
          run.output,
          /note: the generated test checks --payload-field only against itself/,
        );
      },
    );
  },
);
