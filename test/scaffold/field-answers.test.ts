/**
 * A path given for a field, by its flag or typed at the wizard's question (`checkFieldAnswer`), is
 * taken when it names a field of the message of a type that can carry what it is for, whether or
 * not the candidates listed it; otherwise a `FieldAnswerError` names the flag, the path and what is
 * wrong where (docs/scaffolding.md, "A path given").
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { wsdlOperations, type EndpointAnswers } from '../../scaffold/index.js';
import {
  checkFieldAnswer,
  checkWiring,
  FieldAnswerError,
  type FieldAnswer,
} from '../../scaffold/internal.js';
import { corpusDir } from '../codegen/support.js';
import { SOURCE_WSDL } from './support.js';

const TIMESHEET = path.join(corpusDir(), 'nodesoap-list-parameter', 'list_parameter.wsdl');
const TIMESHEET_IN: EndpointAnswers = {
  kind: 'inbound',
  name: 'sheets-in',
  wsdl: TIMESHEET,
  put: 'GetTimesheetValues',
  destination: '/queue/timesheets',
};

/** The `FieldAnswerError` `check` throws; fails when it throws none or another error. */
function refusal(check: () => void): FieldAnswerError {
  try {
    check();
  } catch (err) {
    if (err instanceof FieldAnswerError) return err;
    throw err;
  }
  assert.fail('no FieldAnswerError');
}

test('a path the candidates do not list is taken when it fits: a deeper one, through a list', async () => {
  const w = await wsdlOperations(TIMESHEET);
  // Listed: the four text fields outside lists. Not listed, and fitting: one inside a list.
  checkFieldAnswer(w, TIMESHEET_IN, 'payloadField', 'input.FilterList.Filter[].Value');
  checkFieldAnswer(w, TIMESHEET_IN, 'payloadField', 'input.FilterList.Filter.Value'); // [] left out
  checkWiring(w, { ...TIMESHEET_IN, payloadField: 'input.FilterList.Filter[].Value' });
});

test('a path not in the message, or of the wrong type, is refused naming flag, path and where', async () => {
  const w = await wsdlOperations(TIMESHEET);
  const cases: readonly [FieldAnswer, string, string][] = [
    [
      'payloadField',
      'input.FilterList.Filter.Nope',
      "--payload-field 'input.FilterList.Filter.Nope': 'input.FilterList.Filter[]' has no field 'Nope' (its fields: Name, Value)",
    ],
    [
      'payloadField',
      'nope',
      "--payload-field 'nope': the request of 'GetTimesheetValues' has no field 'nope' (its fields: input, credentials)",
    ],
    [
      'payloadField',
      'input.FilterList',
      "--payload-field 'input.FilterList' (object) is not a string field of the request of 'GetTimesheetValues' (the payload goes there as JSON text)",
    ],
    [
      'messageIdField',
      'input.FilterList',
      "--message-id-field 'input.FilterList' (object) is not a string field of the request of 'GetTimesheetValues' (the message id goes there as text)",
    ],
  ];
  for (const [answer, given, message] of cases) {
    const err = refusal(() => checkFieldAnswer(w, TIMESHEET_IN, answer, given));
    assert.equal(err.answer, answer);
    assert.equal(err.code, 'SCAFFOLD_USAGE');
    assert.equal(err.message, message);
  }
});

test('the build and popped paths are checked for their types too', async () => {
  const w = await wsdlOperations(SOURCE_WSDL);
  const docs: EndpointAnswers = {
    kind: 'outbound',
    phase: 'double',
    name: 'docs-out',
    wsdl: SOURCE_WSDL,
    pop: 'Pop',
    popped: 'Popped',
    build: 'Build',
    destination: '/queue/docs',
  };
  const doc = refusal(() => checkFieldAnswer(w, docs, 'documentField', ''));
  assert.equal(
    doc.message,
    "--document-field '' (the message itself) is not a string field of the 'Build' response (the document is read from it as text)",
  );
  checkFieldAnswer(w, docs, 'documentField', 'document');
  const { build: _, ...single } = docs;
  const id = refusal(() =>
    checkFieldAnswer(w, { ...single, phase: 'single' }, 'idField', 'record'),
  );
  assert.equal(
    id.message,
    "--id-field 'record' (object[]) is not a string or number field of the 'Pop' response",
  );
});

test("another answer's error is not this answer's: it is left for later", async () => {
  const w = await wsdlOperations(TIMESHEET);
  const badMessageId = { ...TIMESHEET_IN, messageIdField: 'input.Nope' };
  checkFieldAnswer(w, badMessageId, 'payloadField', 'input.RequestType');
  assert.throws(
    () => checkWiring(w, { ...badMessageId, payloadField: 'input.RequestType' }),
    (err) => err instanceof FieldAnswerError && err.answer === 'messageIdField',
  );
});
