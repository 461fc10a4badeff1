/**
 * The field trees the scaffold looks for ids and payloads in (scaffold/fields.ts) hold one field per
 * name in each object, over every WSDL of the corpus: a type that extends its base and redeclares
 * what it inherits (DSMLv2's `attributes`), or an intersection of two shapes with a field of the
 * same name, is one field, so that a refusal (and the wizard) lists each candidate once and its
 * "and N more" counts distinct fields.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { LISTED_CANDIDATES } from '../../scaffold/candidates.js';
import { FieldResolver, type FieldType } from '../../scaffold/fields.js';
import { wsdlOperations, type EndpointAnswers } from '../../scaffold/index.js';
import { AmbiguousFieldError, checkWiring } from '../../scaffold/internal.js';
import { corpusDir, corpusEntries } from '../codegen/support.js';

/** The paths (`a.b[].c`) under `type` of the objects that hold two fields of one name. */
function repeatedNames(type: FieldType, at = '', depth = 0): string[] {
  if (type.kind !== 'object' || depth > 12) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  for (const f of type.fields) {
    const here = `${at}${at === '' ? '' : '.'}${f.name}${f.array ? '[]' : ''}`;
    if (seen.has(f.name)) out.push(here);
    seen.add(f.name);
    out.push(...repeatedNames(f.type, here, depth + 1));
  }
  return out;
}

const CORPUS = corpusDir();
const HPD = path.join(CORPUS, 'ihe-hpd-iti58', 'wsdl', 'iti58.wsdl');
const HPD_OPERATION = 'ProviderInformationQueryRequest';

test('every message of every corpus WSDL has one field per name in each object', async (t) => {
  const entries = corpusEntries();
  assert.ok(entries.length > 30, `corpus at ${CORPUS}: ${entries.length} entries`);
  for (const entry of entries) {
    await t.test(entry.root, async () => {
      const w = await wsdlOperations(path.join(CORPUS, entry.root));
      const resolver = new FieldResolver(w.model.mapper);
      const repeated: string[] = [];
      for (const op of w.ports.flatMap((p) => p.operations)) {
        for (const [side, expr] of [
          ['request', op.input],
          ['response', op.output],
        ] as const) {
          if (expr === undefined) continue;
          const where = `${op.name} ${side}`;
          repeated.push(...repeatedNames(resolver.resolve(expr).type).map((p) => `${where}: ${p}`));
        }
      }
      assert.deepEqual([...new Set(repeated)], []);
    });
  }
});

/** The `AmbiguousFieldError` `checkWiring` throws for `answers` (over ihe-hpd). */
async function hpdRefusal(
  answers: Omit<EndpointAnswers, 'name' | 'wsdl' | 'destination'>,
): Promise<AmbiguousFieldError> {
  const w = await wsdlOperations(HPD);
  try {
    checkWiring(w, { name: 'hpd', wsdl: HPD, destination: '/queue/hpd', ...answers });
  } catch (err) {
    if (err instanceof AmbiguousFieldError) return err;
    throw err;
  }
  assert.fail('no AmbiguousFieldError');
}

test('ihe-hpd: the id refusal lists distinct candidates, "and N more" counting the rest', async () => {
  const err = await hpdRefusal({
    kind: 'outbound',
    phase: 'single',
    pop: HPD_OPERATION,
    popped: HPD_OPERATION,
  });
  assert.equal(err.answer, 'idField');
  assert.equal(new Set(err.paths).size, err.paths.length, err.paths.join('\n'));
  assert.equal(new Set(err.candidates).size, err.candidates.length);
  assert.ok(err.candidates.length > LISTED_CANDIDATES, String(err.candidates.length));
  assert.ok(
    err.message.endsWith(` and ${err.candidates.length - LISTED_CANDIDATES} more)`),
    err.message,
  );
  assert.match(err.message, / has 13 fields named like an id;/);
});

test('ihe-hpd: the message-id refusal lists each requestID once', async () => {
  const err = await hpdRefusal({ kind: 'inbound', put: HPD_OPERATION });
  assert.equal(err.answer, 'messageIdField');
  assert.deepEqual(err.paths, ['authRequest.attributes.requestID', 'attributes.requestID', 'none']);
});
