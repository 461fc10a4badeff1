/**
 * The node's HTTP surface on a real server: the status page escapes what it is given and allows
 * only its own script, and the control requests need the token (401 without, 403 wrong; the
 * action does not run either way).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpSurface, type HttpSurfaceHost } from '../../runtime/node/http-server.js';
import { escapeHtml, renderStatusPage } from '../../runtime/node/status-page.js';

const TOKEN = 'the-node-secret-0123456789';

function host(acted: string[]): HttpSurfaceHost {
  return {
    node: 'n<1>',
    token: TOKEN,
    metrics: () => Promise.resolve({ contentType: 'text/plain', text: 'x 1\n' }),
    notReady: () => [],
    serviceDiscovery: () => Promise.resolve([{ targets: ['127.0.0.1:1'], labels: { node: 'n' } }]),
    status: () => Promise.resolve({ node: 'n', members: [], cluster: { nodes: [] } }),
    act: (action, endpoint) => {
      acted.push(`${action} ${endpoint}`);
      return Promise.resolve('n');
    },
  };
}

test('the status page escapes the node name and allows only its own inline script', async () => {
  assert.equal(
    escapeHtml(`<img src=x onerror="a('b')">&`),
    '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;',
  );
  assert.ok(!renderStatusPage('<script>alert(1)</script>').includes('<script>alert(1)'));
  const acted: string[] = [];
  const surface = await startHttpSurface('127.0.0.1', 0, host(acted));
  try {
    const page = await fetch(`${surface.url}/`);
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/=]+'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const html = await page.text();
    assert.ok(html.includes('aes node <span id="node">n&lt;1&gt;</span>'));
    assert.ok(!/src=|href=/.test(html), 'no external assets');
    // The page renders data with textContent only.
    assert.ok(!html.includes('innerHTML'));
    const sd = (await (await fetch(`${surface.url}/sd/prometheus`)).json()) as unknown[];
    assert.equal(sd.length, 1);
    assert.equal((await fetch(`${surface.url}/status.json`)).status, 200);
  } finally {
    await surface.close();
  }
});

test('control requests need the token: 401 without, 403 wrong, and nothing runs', async () => {
  const acted: string[] = [];
  const surface = await startHttpSurface('127.0.0.1', 0, host(acted));
  const post = (path: string, auth?: string) =>
    fetch(`${surface.url}${path}`, {
      method: 'POST',
      headers: auth === undefined ? {} : { authorization: auth },
    });
  try {
    assert.equal((await post('/api/endpoints/orders/restart')).status, 401);
    assert.equal((await post('/api/endpoints/orders/restart', 'Bearer wrong')).status, 403);
    assert.equal((await post('/api/endpoints/orders/restart', TOKEN)).status, 401);
    assert.equal((await fetch(`${surface.url}/api/endpoints/orders/restart`)).status, 405);
    assert.deepEqual(acted, []);
    const bad = await post('/api/endpoints/orders/explode', `Bearer ${TOKEN}`);
    assert.equal(bad.status, 404);
    const ok = await post('/api/endpoints/a%20b/restart', `Bearer ${TOKEN}`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { node: 'n' });
    assert.deepEqual(acted, ['restart a b']);
  } finally {
    await surface.close();
  }
});
