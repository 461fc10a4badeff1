/**
 * Supervision on real processes: an endpoint stuck in a busy loop is killed and restarted within
 * its hang limit plus 2 s; an endpoint that keeps crashing is quarantined and `aes status` shows
 * it as failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeProject, RunningNode } from './support/project.js';
import type { ClusterStatus, EndpointStatus } from '../../runtime/node/index.js';

const HANG_LIMIT_MS = 2_000;

function endpoint(node: RunningNode, name: string): EndpointStatus | undefined {
  const listed = node.cli(['status', '--json']);
  assert.equal(listed.status, 0, listed.stderr);
  const status = JSON.parse(listed.stdout) as ClusterStatus;
  const first = status.nodes[0];
  return first?.error === undefined ? first?.endpoints.find((e) => e.name === name) : undefined;
}

test('a busy loop is killed and restarted within the hang limit + 2 s; a crash loop is quarantined', async () => {
  await using project = await makeProject({
    node: 'sup',
    endpoints: { busy: 'busy.ts', crash: 'crash.ts' },
    config: {
      endpoints: {
        defaults: { restartBackoff: { initialMs: 100, maxMs: 200 } },
        overrides: {
          busy: { hangLimitMs: HANG_LIMIT_MS, heartbeatIntervalMs: 200, killGraceMs: 500 },
          crash: { quarantine: { restarts: 2, windowMs: 120_000 } },
        },
      },
    },
  });
  await using node = await RunningNode.start('sup', project);

  // The busy endpoint: its first run spins; the node kills it and starts it again.
  const runsOfBusy = () =>
    node.lines.filter((l) => l.endpoint === 'busy' && l.msg === 'starting -> running');
  const second = await node.waitLine('a second run of busy', (l) => l === runsOfBusy()[1], 60_000);
  const spunAt = Number(
    await readFile(join(project.dir, 'data', 'endpoints', 'busy.spun'), 'utf8'),
  );
  const restartedAt = Date.parse(String(second.time));
  assert.ok(
    restartedAt - spunAt <= HANG_LIMIT_MS + 2_000,
    `restarted ${restartedAt - spunAt} ms after it began to spin`,
  );
  assert.ok(node.lines.some((l) => l.endpoint === 'busy' && l.msg === 'hung; terminating'));
  const busy = endpoint(node, 'busy');
  assert.equal(busy?.restarts, 1);
  assert.match(busy?.lastError ?? '', /^hung: no heartbeat for \d+ ms$/);

  // The crashing endpoint: quarantined after 2 restarts, visible as failed.
  await node.waitLine(
    'crash quarantined',
    (l) => l.endpoint === 'crash' && l.msg.endsWith('-> failed'),
    120_000,
  );
  const crash = endpoint(node, 'crash');
  assert.equal(crash?.state, 'failed');
  assert.equal(crash?.restarts, 2);
  assert.match(crash?.lastError ?? '', /exited: exit code 1/);
  assert.ok(
    node.lines.some((l) => l.endpoint === 'crash' && /always fails to start/.test(l.msg)),
    'the endpoint said why, through its link',
  );
  const text = node.cli(['status']);
  assert.match(text.stdout, /sup\s+crash\s+failed\s+2/);
});
