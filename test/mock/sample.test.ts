/** Sample data: facets, enumerations, determinism; and that the shape checker the corpus test uses catches a bad answer. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildModel } from '../../codegen/internal.js';
import { SampleBuilder } from '../../mock/sample.js';
import { readFacets } from '../../mock/facets.js';
import { lexicalSample, satisfies } from '../../mock/lexical.js';
import { createRng } from '../../mock/rng.js';
import { ShapeChecker } from './shape.js';
import { corpusDir, SOURCE_WSDL } from './support.js';

describe('lexical samples fit their facets', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['string', { length: 7 }, /^.{7}$/],
    ['string', { minLength: 12, maxLength: 14 }, /^.{12,14}$/],
    ['string', { maxLength: 2 }, /^.{0,2}$/],
    ['string', { patterns: ['[A-Z]{2}\\d{3}'] }, /^[A-Z]{2}\d{3}$/],
    ['token', { patterns: ['\\i\\c*'], maxLength: 5 }, /^[A-Za-z_:][-._:A-Za-z0-9]{0,4}$/],
    ['int', { minInclusive: '500', maxInclusive: '510' }, /^50\d|510$/],
    ['int', { minExclusive: '-5', maxExclusive: '-3' }, /^-4$/],
    ['decimal', { totalDigits: 3, fractionDigits: 1 }, /^\d{1,2}(\.\d)?$/],
    ['unsignedByte', {}, /^\d{1,3}$/],
    ['boolean', { patterns: ['0|1'] }, /^[01]$/],
    ['date', {}, /^2024-\d\d-\d\d$/],
    ['dateTime', {}, /^2024-\d\d-\d\dT\d\d:\d\d:00Z$/],
    ['gYearMonth', {}, /^2024-\d\d$/],
    ['duration', {}, /^P\d+DT\d+H$/],
  ];
  for (const [type, facets, re] of cases) {
    it(`${type} ${JSON.stringify(facets)}`, () => {
      for (let seed = 1; seed <= 20; seed += 1) {
        const { value, fitted } = lexicalSample(type, facets, createRng(seed));
        assert.ok(fitted, value);
        assert.match(value, re);
        assert.ok(satisfies(value, facets, type));
      }
    });
  }
  it('says when no candidate fits', () => {
    const r = lexicalSample('int', { minInclusive: '10', maxInclusive: '5' }, createRng(1));
    assert.equal(r.fitted, false);
  });
});

describe('SampleBuilder', () => {
  it('is deterministic per seed and picks listed enumeration values', async () => {
    const model = await buildModel(SOURCE_WSDL);
    const facets = readFacets(model.loaded.schemas);
    const pop = model.wsdl.messages.get('{urn:aes:example:source}PopOut');
    const build = (seed: number): unknown =>
      new SampleBuilder(model.schema, facets, { seed }).message(
        pop,
        'document',
        undefined,
        '',
        'Pop',
      );
    assert.deepEqual(build(3), build(3));
    const values = new Set<string>();
    for (let seed = 1; seed <= 30; seed += 1) {
      const v = build(seed) as Record<string, string>;
      assert.ok(['OK', 'EMPTY'].includes(v['status'] ?? ''), JSON.stringify(v));
      assert.match(v['id'] ?? '', /^-?\d+$/);
      assert.equal(typeof v['payload'], 'string');
      values.add(JSON.stringify(v));
    }
    assert.ok(values.size > 1, 'different seeds give different samples');
  });

  it('replaces abstract types with a concrete subtype named by xsi_type', async () => {
    const model = await buildModel(
      path.join(corpusDir(), 'nodesoap-netsuite-2013/wsdl/strict/Netsuite.wsdl'),
    );
    const samples = new SampleBuilder(model.schema, readFacets(model.loaded.schemas), { seed: 1 });
    // platformCore:Record is abstract; every element typed with it must carry a concrete xsi:type.
    const abstract = [...model.schema.types].filter(([, d]) => d.kind === 'complex' && d.abstract);
    assert.ok(abstract.length > 0);
    const element = [...model.schema.elements.values()].find(
      (e) =>
        e.type?.kind === 'named' &&
        abstract.some(
          ([k]) =>
            k ===
            `{${e.type?.kind === 'named' ? e.type.qname.ns : ''}}${e.type?.kind === 'named' ? e.type.qname.name : ''}`,
        ),
    );
    assert.ok(element, 'an element of an abstract type');
    const v = samples.element({ ns: element.ns, name: element.name }) as Record<string, unknown>;
    const xsi = (v['attributes'] as Record<string, { type: string; xmlns: string }>)['xsi_type'];
    assert.ok(xsi !== undefined, JSON.stringify(v).slice(0, 300));
    const concrete = model.schema.types.get(`{${xsi.xmlns}}${xsi.type}`);
    assert.ok(concrete?.kind === 'complex' && !concrete.abstract);
  });
});

describe('ShapeChecker (used by the corpus test)', () => {
  it('flags a missing required element and a value outside the enumeration', async () => {
    const model = await buildModel(SOURCE_WSDL);
    const el = { ns: 'urn:aes:example:source', name: 'PopResponse' };
    const good = new ShapeChecker(model.schema);
    good.checkElement(el, { status: 'OK', id: 3 }, 'r');
    assert.deepEqual(good.errors, []);
    const bad = new ShapeChecker(model.schema);
    bad.checkElement(el, { id: 'x' }, 'r');
    assert.deepEqual(bad.errors, [
      "r: required element 'status' missing",
      "r.id: 'x' is not an xsd:long",
    ]);
    const sap = await buildModel(path.join(corpusDir(), 'nodesoap-sap-storedata/soap.wsdl'));
    const facetBad = new ShapeChecker(sap.schema, readFacets(sap.loaded.schemas));
    const response = [...sap.schema.elements.values()].find(
      (e) => e.name === 'Z_STORE_TEMPLATE_GET_ALL.Response',
    );
    assert.ok(response);
    facetBad.checkElement(response, { ET_ALL_STORES: { item: [{ STORE_ID: 'TOO-LONG' }] } }, 'r');
    assert.deepEqual(facetBad.errors, [
      "r.ET_ALL_STORES.item[0].STORE_ID: 'TOO-LONG' breaks maxLength 4",
    ]);
    const enumBad = new ShapeChecker(model.schema);
    enumBad.checkElement(el, { status: 'MAYBE' }, 'r');
    assert.deepEqual(enumBad.errors, ["r.status: 'MAYBE' is not one of OK, EMPTY"]);
  });
});
