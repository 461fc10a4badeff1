/**
 * The endpoint host (what a launched endpoint process runs) against a node's end of the link on
 * a real Unix socket: a node that goes away while the entry module is still loading is not
 * missed; the process exits instead of running an endpoint that nothing supervises and whose
 * reports go nowhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kernel } from '../../cluster/index.js';
import { DEFAULT_ENDPOINT_SETTINGS } from '../../runtime/config/config.js';
import { endpointOfKernel, type EndpointReport } from '../../runtime/link/protocol.js';
import { installNodeSession } from '../../runtime/link/node-session.js';
import { runEndpointHost } from '../../runtime/node/endpoint-host.js';
import type { Logger } from '../../runtime/node/logger.js';
import { within } from '../support/wait.js';
import { tempDir, waitFor } from './support/helpers.js';

const TOKEN = 'token-gated-0123456789';
const ENTRY = fileURLToPath(new URL('./fixtures/gated-entry.ts', import.meta.url));

/** A logger that keeps `level: msg` lines (the process's own output). */
function captureLog(lines: string[]): Logger {
  const log: Logger = {
    debug: (msg) => lines.push(`debug: ${msg}`),
    info: (msg) => lines.push(`info: ${msg}`),
    warn: (msg) => lines.push(`warn: ${msg}`),
    error: (msg) => lines.push(`error: ${msg}`),
    child: () => log,
  };
  return log;
}

test('a node gone while the entry module loads: the host exits 1 and says why', async () => {
  await using dir = await tempDir();
  const socket = join(dir.path, 'node.sock');
  const reports: EndpointReport[] = [];
  const node = new Kernel({
    name: 'n1',
    secret: 'node-secret-0123456789abcdef',
    resolveSecret: (peer) => (endpointOfKernel(peer, 'n1') === 'gated' ? TOKEN : undefined),
  });
  installNodeSession(node, 'n1', {
    launchConfig: (endpoint) => ({
      endpoint,
      node: 'n1',
      module: ENTRY,
      dataDir: join(dir.path, 'endpoints', endpoint),
      brokerUrls: [`memory://${randomUUID()}`],
      settings: DEFAULT_ENDPOINT_SETTINGS,
    }),
    report: (_endpoint, report) => reports.push(report),
  });
  await node.listen(`unix:${socket}`);
  await mkdir(join(dir.path, 'endpoints'));
  const lines: string[] = [];
  const hosted = runEndpointHost({
    address: `unix:${socket}`,
    node: 'n1',
    endpoint: 'gated',
    secret: TOKEN,
    log: captureLog(lines),
  });
  let settled = false;
  void hosted.finally(() => (settled = true));
  try {
    await waitFor('the entry module loading', () =>
      reports.some((r) => r.kind === 'log' && r.msg === 'loading'),
    );
    await node.shutdown('node stopping');
    await writeFile(join(dir.path, 'endpoints', 'go'), '');
    assert.equal(await within('the host to exit', hosted, 10_000), 1);
    assert.ok(
      lines.some((l) => /^error: lost the node while loading \(.+\); exiting$/.test(l)),
      `the process said why in its own output: ${JSON.stringify(lines)}`,
    );
  } finally {
    await node.shutdown();
    // Without the fix the endpoint runs on: drain it as its signal would, so the file ends.
    if (!settled) process.emit('SIGTERM');
    await hosted.catch(() => undefined);
  }
});
