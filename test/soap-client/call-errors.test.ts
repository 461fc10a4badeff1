/**
 * GeneratedSoapClient's calls: a request node-soap refuses to build fails with a typed error
 * (SOAP_REQUEST), at once, with no deadline left armed (the test would wait for it: the process
 * stays up until a timer armed for 60 s fires). Against a real node-soap server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createPortClient,
  GeneratedSoapClient,
  SoapCallError,
  type PortInfo,
  type SoapClientOptions,
} from '../../soap-client/index.js';
import { TargetSystem } from '../runtime/support/soap-systems.js';

const PORT: PortInfo = {
  wsdl: new URL('../runtime/fixtures/target.wsdl', import.meta.url),
  service: 'InboundService',
  port: 'InboundPort',
  soapVersion: '1.1',
  deserializers: {},
};

class TargetPortClient extends GeneratedSoapClient {
  static async create(options: SoapClientOptions): Promise<TargetPortClient> {
    return new TargetPortClient(await createPortClient(PORT, options), PORT, options);
  }

  put(input: unknown): Promise<unknown> {
    return this.invokeOperation('Put', input);
  }
}

test('node-soap throwing while it builds a request fails the call with SOAP_REQUEST, at once', async () => {
  const target = await TargetSystem.start();
  try {
    const client = await TargetPortClient.create({ endpoint: target.url, timeoutMs: 60_000 });
    assert.deepEqual(await client.put({ messageId: 'ok', payload: '{}' }), { ok: true });
    // node-soap throws synchronously for a message its binding cannot encode (an rpc operation
    // without parts did, before the runtime sent those with null arguments); the real port
    // method is replaced by one that does what node-soap does then.
    const port = (client.soapClient as unknown as Record<string, Record<string, object>>)[
      'InboundService'
    ]?.['InboundPort'] as Record<string, unknown>;
    port['Put'] = () => {
      throw new Error('invalid message definition for rpc style binding');
    };
    const started = Date.now();
    await assert.rejects(client.put({ messageId: 'x', payload: '{}' }), (err: unknown) => {
      assert.ok(err instanceof SoapCallError, `a typed error, got ${String(err)}`);
      assert.equal(err.code, 'SOAP_REQUEST');
      assert.equal(err.retryable, false);
      assert.match(err.message, /^Put: cannot build the request: invalid message definition/);
      return true;
    });
    assert.ok(Date.now() - started < 5_000, 'refused at once, not at the deadline');
    assert.deepEqual(
      target.accepted.map((a) => a.messageId),
      ['ok'],
      'nothing was sent',
    );
  } finally {
    await target.close();
  }
});
