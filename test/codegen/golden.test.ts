/**
 * Golden files: a handful of corpus WSDLs regenerate byte-for-byte into test/golden/codegen/.
 * Update them after an intended change with `AES_UPDATE_GOLDEN=1 node test/run.mjs test/codegen/golden.test.ts`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateSources } from '../../codegen/index.js';
import { REPO_ROOT } from '../support/cli.js';
import { corpusDir } from './support.js';

const GOLDEN_DIR = path.join(REPO_ROOT, 'test', 'golden', 'codegen');
const UPDATE = process.env.AES_UPDATE_GOLDEN === '1';

/** Small and varied: doc/literal, rpc/literal, attributes, namespace clash, groups and choices, WSDL 2.0, keywords. */
const GOLDEN: Readonly<Record<string, string>> = {
  'eu-vies-checkvat': 'eu-vies-checkvat/checkVatService.wsdl',
  'cxf-rpc-lit': 'cxf-rpc-lit/hello_world_rpc_lit.wsdl',
  'nodesoap-restriction-attributes':
    'nodesoap-restriction-attributes/wsdl_with_restriction_attributes.wsdl',
  'nodesoap-ns-type-conflict': 'nodesoap-ns-type-conflict/main.wsdl',
  'ihe-hpd-iti58': 'ihe-hpd-iti58/wsdl/iti58.wsdl',
  'axis2-wsdl20-hotel': 'axis2-wsdl20-hotel/HotelReservationService.wsdl',
  'cxf-keywords': 'cxf-keywords/hello_world_with_keywords_operation.wsdl',
  'nodesoap-non-identifier-ops':
    'nodesoap-non-identifier-ops/non_identifier_chars_in_operation.wsdl',
};

for (const [name, wsdl] of Object.entries(GOLDEN)) {
  test(`golden: ${name}`, async () => {
    const folder = path.join(GOLDEN_DIR, name);
    const { files } = await generateSources(path.join(corpusDir(), wsdl), folder);
    // The corpus sits at a different depth in a worktree and in the main checkout.
    const corpusRel = path.relative(folder, corpusDir()).split(path.sep).join('/');
    const normalise = (text: string): string => text.split(corpusRel).join('<corpus>');
    if (UPDATE) {
      rmSync(folder, { recursive: true, force: true });
      mkdirSync(folder, { recursive: true });
      for (const f of files) writeFileSync(path.join(folder, f.name), normalise(f.text));
      return;
    }
    assert.ok(existsSync(folder), `no golden files for ${name}: run with AES_UPDATE_GOLDEN=1`);
    assert.deepEqual(
      readdirSync(folder).sort(),
      files.map((f) => f.name).sort(),
      `${name}: file list`,
    );
    for (const f of files) {
      const golden = readFileSync(path.join(folder, f.name), 'utf8');
      assert.equal(
        normalise(f.text),
        golden,
        `${name}/${f.name} differs from the golden file (AES_UPDATE_GOLDEN=1 updates it)`,
      );
    }
  });
}
