/**
 * The demo's business systems, real SOAP servers on loopback through `aes mock`'s machinery: a
 * source system whose FIFO holds `records` records (Pop answers the head until Popped names it)
 * and a target system that records every Put with its message id.
 */
import { startMock, type MockServer } from '../mock/index.js';
import { DEMO_SOURCE_WSDL, DEMO_TARGET_WSDL } from './assets.js';

/** The source system's script: a FIFO of generated records, ids "1".."N" (docs/mock.md). */
export function sourceScript(records: number): unknown {
  return {
    fifo: {
      generate: records,
      pop: {
        operation: 'Pop',
        idField: 'id',
        payloadField: 'payload',
        response: { status: 'OK' },
        empty: { status: 'EMPTY' },
      },
      popped: { operation: 'Popped', idField: 'id', response: { status: 'OK' } },
    },
  };
}

/**
 * The target system's script: Put is stored and recorded under its message id; a seeded share of
 * calls is answered with a SOAP fault instead (the inbound endpoint retries them).
 */
export function targetScript(faultShare: number): unknown {
  return {
    put: {
      operation: 'Put',
      idField: 'messageId',
      response: { stored: true },
      ...(faultShare > 0
        ? { fail: { share: faultShare, fault: { code: 'Server', string: 'demo: target busy' } } }
        : {}),
    },
  };
}

export interface DemoSystems extends AsyncDisposable {
  readonly source: MockServer;
  readonly target: MockServer;
  /** SOAP port URLs. */
  readonly sourceUrl: string;
  readonly targetUrl: string;
  close(): Promise<void>;
}

function portUrl(mock: MockServer): string {
  const endpoint = mock.endpoints[0];
  if (endpoint === undefined) throw new Error(`${mock.url}: the mock serves no SOAP port`);
  return endpoint.url;
}

export async function startSystems(
  records: number,
  targetFaults: number,
  ports: { readonly source: number; readonly target: number },
): Promise<DemoSystems> {
  const source = await startMock(DEMO_SOURCE_WSDL, {
    port: ports.source,
    script: { json: sourceScript(records), label: 'demo source script' },
  });
  let target: MockServer;
  try {
    target = await startMock(DEMO_TARGET_WSDL, {
      port: ports.target,
      script: { json: targetScript(targetFaults), label: 'demo target script' },
    });
  } catch (err) {
    await source.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= Promise.allSettled([source.close(), target.close()]).then(() => undefined));
  return {
    source,
    target,
    sourceUrl: portUrl(source),
    targetUrl: portUrl(target),
    close,
    [Symbol.asyncDispose]: close,
  };
}
