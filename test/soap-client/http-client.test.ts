/**
 * SoapHttpClient: node-soap's client sending SOAP calls over Node's http (the lean path) with
 * node-soap's own behaviour — headers, faults, deadlines, aborts, compressed answers — and
 * node-soap's axios path for what the lean one leaves to it (a proxy in the environment, a
 * redirect). Real node-soap servers and raw HTTP servers on loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createClientAsync } from 'soap';
import { SoapHttpClient } from '../../soap-client/index.js';
import { TargetSystem } from '../runtime/support/soap-systems.js';
import type { TargetClient } from '../runtime/support/soap-endpoints.js';

const WSDL = new URL('../runtime/fixtures/target.wsdl', import.meta.url).pathname;

const PUT_OK = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><PutResponse xmlns="urn:aes:test:target"><ok>true</ok></PutResponse></soap:Body></soap:Envelope>`;

async function clientOf(
  url: string,
): Promise<{ client: TargetClient & { lastRequestHeaders?: unknown }; http: SoapHttpClient }> {
  const http = new SoapHttpClient();
  const client = (await createClientAsync(
    WSDL,
    { httpClient: http },
    url,
  )) as unknown as TargetClient;
  return { client, http };
}

async function rawServer(
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<{ server: Server; url: string } & AsyncDisposable> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/target`,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('a SOAP call goes over the lean path: answer, fault and the headers node-soap keeps', async () => {
  const target = await TargetSystem.start({ alwaysFail: new Set(['bad']) });
  try {
    const { client, http } = await clientOf(target.url);
    const [result] = await client.PutAsync({ messageId: 'm1', payload: '{"n":1}' });
    assert.deepEqual(result, { ok: true });
    assert.equal(http.leanCalls, 1, 'sent over the lean path');
    assert.deepEqual(
      target.accepted.map((a) => a.messageId),
      ['m1'],
    );
    const sent = (client as unknown as { lastRequestHeaders: Record<string, unknown> })
      .lastRequestHeaders;
    assert.match(String(sent['SOAPAction']), /Put/, 'node-soap built the request headers');
    await assert.rejects(client.PutAsync({ messageId: 'bad', payload: '{}' }), (err: unknown) => {
      const e = err as { root?: { Envelope?: unknown }; response?: { status?: number } };
      // node-soap's server answers this fault with 200; its client parses the fault either way.
      assert.equal(e.response?.status, 200, 'the fault carries the HTTP response');
      assert.ok(e.root?.Envelope !== undefined, 'and the parsed envelope');
      assert.match(String((err as Error).message), /target refused bad/);
      return true;
    });
    assert.equal(http.leanCalls, 2);
  } finally {
    await target.close();
  }
});

test('a deadline and an abort end a lean call with the errors axios would give', async () => {
  await using silent = await rawServer(() => undefined);
  const { client } = await clientOf(silent.url);
  const started = Date.now();
  await assert.rejects(client.PutAsync({ messageId: 'm', payload: '{}' }, { timeout: 200 }), {
    code: 'ECONNABORTED',
    message: 'timeout of 200ms exceeded',
  });
  assert.ok(Date.now() - started < 2_000);
  const controller = new AbortController();
  const call = client.PutAsync({ messageId: 'm', payload: '{}' }, {
    signal: controller.signal,
  } as { timeout?: number });
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(call, { code: 'ERR_CANCELED' });
});

test('a refused connection fails the call with the socket error', async () => {
  await using closed = await rawServer(() => undefined);
  const url = closed.url;
  await new Promise<void>((resolve) => closed.server.close(() => resolve()));
  const { client } = await clientOf(url);
  await assert.rejects(client.PutAsync({ messageId: 'm', payload: '{}' }), {
    code: 'ECONNREFUSED',
  });
});

test('a gzip-compressed answer is decoded', async () => {
  await using zipped = await rawServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/xml', 'content-encoding': 'gzip' });
    res.end(gzipSync(PUT_OK));
  });
  const { client, http } = await clientOf(zipped.url);
  const [result] = await client.PutAsync({ messageId: 'm', payload: '{}' });
  assert.deepEqual(result, { ok: true });
  assert.equal(http.leanCalls, 1);
});

test('a redirect is followed through node-soap’s own path, as before', async () => {
  const target = await TargetSystem.start();
  try {
    await using redirect = await rawServer((_req, res) => {
      res.writeHead(307, { location: target.url });
      res.end();
    });
    const { client } = await clientOf(redirect.url);
    const [result] = await client.PutAsync({ messageId: 'r1', payload: '{"n":1}' });
    assert.deepEqual(result, { ok: true });
    assert.deepEqual(
      target.accepted.map((a) => a.messageId),
      ['r1'],
      'put once, at the target',
    );
  } finally {
    await target.close();
  }
});

test('with a proxy in the environment, calls go through node-soap’s own path (it honours it)', async (t) => {
  const target = await TargetSystem.start();
  const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
  t.after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  try {
    // A proxy that answers every request itself: a call that reaches it went through the proxy.
    let proxied = 0;
    await using proxy = await rawServer((_req, res) => {
      proxied += 1;
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(PUT_OK);
    });
    process.env.HTTP_PROXY = proxy.url.replace('/target', '');
    delete process.env.NO_PROXY;
    const { client, http } = await clientOf(target.url);
    const [result] = await client.PutAsync({ messageId: 'p1', payload: '{}' });
    assert.deepEqual(result, { ok: true });
    assert.equal(http.leanCalls, 0);
    assert.equal(proxied, 1, 'the call went through the configured proxy');
    assert.equal(target.accepted.length, 0);
  } finally {
    await target.close();
  }
});
