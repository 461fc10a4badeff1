/**
 * `/console.json` on the node's HTTP surface, and the page's console: its script is allowed by
 * hash beside the page's own, and it fetches nothing but the node's own JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startHttpSurface, type HttpSurfaceHost } from '../../runtime/node/http-server.js';
import { CONSOLE_SCRIPT, CONSOLE_STYLE } from '../../runtime/node/console-page.js';

const HOST: HttpSurfaceHost = {
  node: 'n',
  token: 'the-node-secret-0123456789',
  metrics: () => Promise.resolve({ contentType: 'text/plain', text: 'x 1\n' }),
  notReady: () => [],
  serviceDiscovery: () => Promise.resolve([]),
  status: () => Promise.resolve({ node: 'n', members: [], cluster: { nodes: [] } }),
  act: () => Promise.resolve('n'),
};

function hash(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

test('/console.json is what the host gives, 404 without one; the page allows the console script', async () => {
  let asked = 0;
  const surface = await startHttpSurface('127.0.0.1', 0, {
    ...HOST,
    console: () => {
      asked += 1;
      return Promise.resolve({
        node: 'n',
        endpoints: [],
        broker: { kind: 'embedded', destinations: [] },
      });
    },
  });
  try {
    const res = await fetch(`${surface.url}/console.json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), {
      node: 'n',
      endpoints: [],
      broker: { kind: 'embedded', destinations: [] },
    });
    assert.equal(asked, 1);
    const page = await fetch(`${surface.url}/`);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.ok(csp.includes(hash(CONSOLE_SCRIPT)), csp);
    assert.ok(csp.includes(hash(CONSOLE_STYLE)), csp);
    const html = await page.text();
    assert.ok(html.includes(`<script>${CONSOLE_SCRIPT}</script>`));
    assert.match(html, /<div id="console-endpoints"><\/div>/);
    // Only the node's own data: no other URL is fetched, no markup is built from data.
    assert.deepEqual(
      [...CONSOLE_SCRIPT.matchAll(/fetch\('([^']*)'/g)].map((m) => m[1]),
      ['console.json'],
    );
    assert.ok(!CONSOLE_SCRIPT.includes('innerHTML'));
  } finally {
    await surface.close();
  }
  const bare = await startHttpSurface('127.0.0.1', 0, HOST);
  try {
    assert.equal((await fetch(`${bare.url}/console.json`)).status, 404);
  } finally {
    await bare.close();
  }
});
