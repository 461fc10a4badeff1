/** Which operations of the shipped example WSDLs can fill which role (scaffold/role-check.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wsdlOperations } from '../../scaffold/index.js';
import { checkRoleOperation } from '../../scaffold/internal.js';
import { SOURCE_WSDL, TARGET_WSDL } from './support.js';

test('the source: Pop pops, Popped removes, Build builds; not the other way round', async () => {
  const w = await wsdlOperations(SOURCE_WSDL);
  checkRoleOperation(w, 'pop', 'Pop', 'single');
  checkRoleOperation(w, 'popped', 'Popped', 'single');
  checkRoleOperation(w, 'pop', 'Pop', 'double');
  checkRoleOperation(w, 'build', 'Build', 'double');
  assert.throws(() => checkRoleOperation(w, 'pop', 'Popped', 'single'), {
    name: 'ScaffoldError',
    code: 'SCAFFOLD_OPERATION',
  });
  assert.throws(() => checkRoleOperation(w, 'popped', 'Pop', 'single'), /Pop/);
  checkRoleOperation(w, 'pop', 'Missing', 'single'); // portFor's to name
});

test('the target: Put puts, PutMany puts many', async () => {
  const w = await wsdlOperations(TARGET_WSDL);
  checkRoleOperation(w, 'put', 'Put', undefined);
  checkRoleOperation(w, 'putMany', 'PutMany', undefined);
  assert.throws(() => checkRoleOperation(w, 'putMany', 'Put', undefined), {
    code: 'SCAFFOLD_OPERATION',
  });
});
