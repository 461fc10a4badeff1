/**
 * An endpoint started by hand (`aes endpoint run NAME`) attaches to its running node: the
 * supervised copy is stopped first, the hand-run one authenticates with the node's secret,
 * shows as `attached` in `aes status`, does the work, and its lines reach the node's log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { SourceSystem, TargetSystem, makeRecords } from '../runtime/support/soap-systems.js';
import { AES_CLI, TSX, makeProject, RunningNode } from './support/project.js';
import { assertExactlyOnceInOrder, waitDelivered } from './support/pipeline.js';
import type { ClusterStatus } from '../../runtime/node/index.js';

test('aes endpoint run NAME attaches an endpoint by hand to its running node', async () => {
  const source = await SourceSystem.start(makeRecords(8));
  const target = await TargetSystem.start();
  const env = {
    E2E_SOURCE_URL: source.url,
    E2E_TARGET_URL: target.url,
    E2E_QUEUE: `/queue/e2e-${randomUUID()}`,
  };
  await using project = await makeProject({
    node: 'dev',
    endpoints: { 'orders-out': 'orders-out.ts', 'orders-in': 'orders-in.ts' },
  });
  try {
    await using node = await RunningNode.start('dev', project, env);
    const stopped = node.cli(['endpoint', 'stop', 'orders-out']);
    assert.equal(stopped.status, 0, stopped.stderr);
    const byHand = spawn(
      process.execPath,
      ['--import', TSX, AES_CLI, 'endpoint', 'run', 'orders-out', '-c', project.configFile],
      { cwd: project.dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    byHand.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    byHand.stdout.resume();
    const exited = new Promise<number | null>((resolve) => byHand.once('exit', resolve));
    try {
      await waitDelivered(source, target, 8);
      assertExactlyOnceInOrder(source, target, 'orders-out');
      const status = JSON.parse(node.cli(['status', '--json']).stdout) as ClusterStatus;
      const first = status.nodes[0];
      const out = first?.error === undefined ? first?.endpoints : [];
      assert.equal(out?.find((e) => e.name === 'orders-out')?.state, 'attached');
      assert.ok(
        node.lines.some((l) => l.endpoint === 'orders-out' && l.msg === 'outbound ready'),
        'the hand-run endpoint logs through its node',
      );
      assert.match(output, /outbound ready/, 'and in its own terminal');
    } finally {
      byHand.kill('SIGTERM');
    }
    assert.equal(await exited, 0, output);
    await node.waitLine('detached', (l) => l.endpoint === 'orders-out' && l.msg === 'detached');
  } finally {
    await source.close();
    await target.close();
  }
});
