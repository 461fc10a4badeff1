/**
 * Serves corpus WSDLs (document/literal wrapped, rpc, attributes, SOAP 1.2, facets, choice, abstract
 * types, recursion) and calls every operation of every port with node-soap's client: each answer
 * parses and matches the schema's shape.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildModel } from '../../codegen/internal.js';
import { startMock } from '../../mock/index.js';
import { readFacets } from '../../mock/facets.js';
import { ShapeChecker } from './shape.js';
import { clientOf, corpusDir } from './support.js';

/** Posts an rpc/literal request without parts; the response's parts as strings. */
async function rawRpc(
  url: string,
  ns: string,
  op: string,
  action: string | undefined,
): Promise<Record<string, string>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${action ?? ''}"` },
    body: `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:${op} xmlns:m="${ns}"/></s:Body></s:Envelope>`,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const body = new RegExp(
    `<(?:\\w+:)?${op}Response\\b[^>]*>([\\s\\S]*)</(?:\\w+:)?${op}Response>`,
  ).exec(text)?.[1];
  assert.ok(body !== undefined, text);
  return Object.fromEntries(
    [...body.matchAll(/<(?:\w+:)?(\w+)[^>]*>([^<]*)</g)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
}

const WSDLS = [
  'eu-vies-checkvat/checkVatService.wsdl',
  'cxf-rpc-lit/hello_world_rpc_lit.wsdl',
  'nodesoap-restriction-attributes/wsdl_with_restriction_attributes.wsdl',
  'cxf-soap12/hello_world_soap12.wsdl',
  'wtc-products/products.wsdl',
  'nodesoap-sap-storedata/soap.wsdl',
  'ihe-hpd-iti58/wsdl/iti58.wsdl',
  'nodesoap-netsuite-2013/wsdl/strict/Netsuite.wsdl',
  'ihe-xds-iti41/iti41.wsdl',
  'zeep-recursive-import/hello_world_recursive_import.wsdl',
  'nodesoap-list-parameter/list_parameter.wsdl',
  'nodesoap-recursive2/recursive2.wsdl',
  'axis2-interop-rpc-encoded/InteropTest.wsdl',
  'noaa-ndfd/ndfdXML.wsdl',
];

describe('mock serves corpus WSDLs', () => {
  for (const rel of WSDLS) {
    it(rel, async () => {
      const file = path.join(corpusDir(), rel);
      const model = await buildModel(file);
      const facets = readFacets(model.loaded.schemas);
      await using mock = await startMock(file);
      assert.ok(mock.endpoints.length > 0);
      let calls = 0;
      for (const ep of mock.endpoints) {
        const portKey = model.wsdl.services
          .find((s) => s.name === ep.service)
          ?.ports.find((p) => p.name === ep.port)?.binding;
        const binding = portKey === undefined ? undefined : model.wsdl.bindings.get(portKey);
        const portType =
          binding === undefined ? undefined : model.wsdl.portTypes.get(binding.portType);
        const { call } = await clientOf(ep);
        for (const op of ep.operations) {
          const ptOp = portType?.operations.find((o) => o.name === op);
          const out = ptOp?.output === undefined ? undefined : model.wsdl.messages.get(ptOp.output);
          const style = binding?.operations.get(op)?.style ?? 'document';
          const result = await call(op, {}).catch(async (err: unknown) => {
            // node-soap's client cannot build an rpc request of a message without parts: send it raw.
            if (!(err instanceof Error) || !/invalid message definition/.test(err.message))
              throw err;
            return rawRpc(
              ep.url,
              model.wsdl.targetNamespace,
              op,
              binding?.operations.get(op)?.soapAction,
            );
          });
          calls += 1;
          if (out === undefined) continue; // one-way
          const checker = new ShapeChecker(model.schema, facets);
          const parts = out.parts;
          const only = parts[0];
          if (style === 'document' && parts.length === 1 && only?.element !== undefined) {
            checker.checkElement(only.element, result ?? {}, `${ep.port}.${op}`);
          } else {
            const obj = (result ?? {}) as Record<string, unknown>;
            for (const p of parts) {
              const v = obj[p.element?.name ?? p.name];
              assert.notEqual(
                v,
                undefined,
                `${op}: part '${p.name}' missing in ${JSON.stringify(result)}`,
              );
              if (p.element !== undefined)
                checker.checkElement(p.element, v, `${ep.port}.${op}.${p.name}`);
              else if (p.type !== undefined)
                checker.checkType(
                  { kind: 'named', qname: p.type },
                  v,
                  `${ep.port}.${op}.${p.name}`,
                );
            }
          }
          assert.deepEqual(checker.errors, [], `${op}: ${JSON.stringify(result).slice(0, 500)}`);
        }
      }
      assert.ok(calls > 0);
      assert.equal(
        Object.values(mock.state().calls).reduce((a, b) => a + b, 0),
        calls,
      );
    });
  }
});
