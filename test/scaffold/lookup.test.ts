/**
 * `aes endpoint create` over a target that can be asked whether it holds a message id: the inbound
 * endpoint gets `alreadyDelivered()` on that operation (found by its name and shape, or named with
 * `--lookup`), mapping the message id into its request and reading its boolean answer; `--lookup
 * none` leaves it out, and an operation without a boolean answer is refused with its fields.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createEndpoint, createProject } from '../../scaffold/index.js';
import type { FieldType } from '../../scaffold/fields.js';
import { findLookupAnswer, lookupCandidates } from '../../scaffold/mapping.js';
import { tempDir } from './support.js';

const FLAT_TARGET = fileURLToPath(new URL('./fixtures/flat-target.wsdl', import.meta.url));

async function inbound(lookup?: string) {
  const tmp = await tempDir('aes-scaffold-lookup-');
  const dir = path.join(tmp.path, 'shop');
  await createProject({ dir, aes: 'file:/dev/null' });
  const created = await createEndpoint({
    project: dir,
    kind: 'inbound',
    name: 'flat-in',
    wsdl: FLAT_TARGET,
    put: 'Put',
    destination: '/queue/flat',
    ...(lookup === undefined ? {} : { lookup }),
  });
  const code = await readFile(path.join(dir, 'endpoints', 'flat-in', 'flat-in.ts'), 'utf8');
  return { tmp, created, code };
}

test('a lookup operation is found by its name and shape, and said so', async () => {
  const { tmp, created, code } = await inbound();
  await using _ = tmp;
  assert.match(code, /protected override async alreadyDelivered\(/);
  assert.match(code, /this\.client\.\w+\(lookupRequest\(messageId\), context\)/);
  assert.match(code, /messageId: messageId/);
  assert.match(code, /return response\??\.exists === true;/);
  assert.deepEqual(created.notes, [
    "alreadyDelivered() asks the target with 'MessageExists' (found by its name and shape): check it, or re-create with --lookup none",
  ]);
});

test('--lookup none leaves alreadyDelivered() out', async () => {
  const { tmp, created, code } = await inbound('none');
  await using _ = tmp;
  assert.doesNotMatch(code, /alreadyDelivered/);
  assert.deepEqual(created.notes, []);
});

test('a lookup without a boolean answer is refused, naming its fields', () => {
  const answer: FieldType = {
    kind: 'object',
    fields: [{ name: 'item', optional: true, array: false, type: { kind: 'string' } }],
  };
  assert.throws(
    () => findLookupAnswer('GetItem', answer),
    (err: Error) =>
      /the response of 'GetItem' has no boolean field saying whether the target holds the message; its fields: item: string/.test(
        err.message,
      ),
  );
});

test('candidates need a lookup-like name, an id in the request and a boolean answer', () => {
  const leaf = (name: string, kind: 'string' | 'boolean') => ({
    name,
    optional: false,
    array: false,
    type: { kind } as FieldType,
  });
  const obj = (...fields: ReturnType<typeof leaf>[]): FieldType => ({ kind: 'object', fields });
  assert.deepEqual(
    lookupCandidates([
      {
        name: 'GetOrder',
        request: obj(leaf('orderId', 'string')),
        response: obj(leaf('ok', 'boolean')),
      },
      {
        name: 'HasMessage',
        request: obj(leaf('messageId', 'string')),
        response: obj(leaf('found', 'boolean')),
      },
      { name: 'Delete', request: obj(leaf('id', 'string')), response: obj(leaf('ok', 'boolean')) },
      {
        name: 'FindItem',
        request: obj(leaf('query', 'string')),
        response: obj(leaf('found', 'boolean')),
      },
      {
        name: 'CheckStatus',
        request: obj(leaf('id', 'string')),
        response: obj(leaf('when', 'string')),
      },
    ]),
    ['HasMessage', 'GetOrder'],
  );
});
