/**
 * The node's HTTP surface on a real server: the status page escapes what it is given and allows
 * only its own script, and the control requests need the token (401 without, 403 wrong; the
 * action does not run either way).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HttpStatusError,
  startHttpSurface,
  type HttpSurfaceHost,
} from '../../runtime/node/http-server.js';
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

test('/trace.json: the id from the query string, the host’s 404 and 400 as they are; the page has the search box', async () => {
  const asked: string[] = [];
  const surface = await startHttpSurface('127.0.0.1', 0, {
    ...host([]),
    trace: (id) => {
      asked.push(id);
      if (id === '') return Promise.reject(new HttpStatusError(400, 'give a message id'));
      if (id !== 'orders-out:7')
        return Promise.reject(new HttpStatusError(404, `no record '${id}'`));
      return Promise.resolve({ id, steps: [], nodes: ['n'], unreachable: [] });
    },
  });
  try {
    const found = await fetch(`${surface.url}/trace.json?id=${encodeURIComponent('orders-out:7')}`);
    assert.equal(found.status, 200);
    assert.deepEqual(((await found.json()) as { id: string }).id, 'orders-out:7');
    const unknown = await fetch(`${surface.url}/trace.json?id=nope`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), { error: "no record 'nope'" });
    assert.equal((await fetch(`${surface.url}/trace.json`)).status, 400);
    assert.deepEqual(asked, ['orders-out:7', 'nope', '']);
    const html = await (await fetch(`${surface.url}/`)).text();
    assert.match(html, /<form id="trace-form">/);
    assert.match(html, /<input id="trace-id" type="search"/);
  } finally {
    await surface.close();
  }
  // Without lineage (a host that has none), the route is a 404.
  const bare = await startHttpSurface('127.0.0.1', 0, host([]));
  try {
    assert.equal((await fetch(`${bare.url}/trace.json?id=x`)).status, 404);
  } finally {
    await bare.close();
  }
});
