/** Shared helpers of the mock tests: fixtures, the corpus, node-soap clients of a running mock. */
import { fileURLToPath } from 'node:url';
import * as soap from 'soap';
import type { MockEndpoint } from '../../mock/index.js';

export { corpusDir } from '../codegen/support.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
/** The fixture systems ship with `aes demo` (demo/wsdl/); the mock tests use the same files. */
export {
  DEMO_SOURCE_WSDL as SOURCE_WSDL,
  DEMO_TARGET_WSDL as TARGET_WSDL,
} from '../../demo/assets.js';

export type Call = (op: string, args: unknown) => Promise<unknown>;

/** A node-soap client of `endpoint`, made from the mock's own `?wsdl`. */
export async function clientOf(endpoint: MockEndpoint): Promise<{ call: Call; raw: soap.Client }> {
  const client = await soap.createClientAsync(endpoint.wsdlUrl, {
    forceSoap12Headers: endpoint.soapVersion === '1.2',
  });
  client.setEndpoint(endpoint.url);
  // The port's own methods: a top-level `opAsync` is ambiguous when several services have it.
  const methods = (client as unknown as Record<string, Record<string, Record<string, unknown>>>)[
    endpoint.service
  ]?.[endpoint.port];
  const call: Call = (op, args) =>
    new Promise((resolve, reject) => {
      const fn = methods?.[op];
      if (typeof fn !== 'function') {
        reject(new Error(`client has no ${endpoint.service}.${endpoint.port}.${op}`));
        return;
      }
      (fn as (a: unknown, cb: (err: unknown, result: unknown) => void) => void)(
        args,
        (err, result) => {
          if (err !== null && err !== undefined)
            reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
          else resolve(result);
        },
      );
    });
  return { call, raw: client };
}

/** The fault node-soap's client rejected with (its `root.Envelope.Body.Fault`). */
export function faultOf(err: unknown): Record<string, unknown> | undefined {
  const root = (err as { root?: { Envelope?: { Body?: { Fault?: Record<string, unknown> } } } })
    .root;
  return root?.Envelope?.Body?.Fault;
}
