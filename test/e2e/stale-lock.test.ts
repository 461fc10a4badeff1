/**
 * A launched endpoint replaces a stale copy of itself that holds its data folder's lock (an
 * orphan of a killed node, or a copy hung in exit): SIGTERM, SIGKILL after the drain timeout,
 * then the lock. A process that is not a copy of this endpoint of this node (a reused pid, a copy
 * run by hand) is never touched: the lock refuses as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { TargetSystem } from '../runtime/support/soap-systems.js';
import { pollUntil } from '../support/wait.js';
import { createTransport, type Destination } from '../../transports/index.js';
import { makeProject, RunningNode } from './support/project.js';

/** A process that holds `lockFile` with its pid, ignores SIGTERM and never exits by itself. */
async function holder(lockFile: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('ready')"],
    { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
  await writeFile(lockFile, `${child.pid}\n`);
  return child;
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

test('a stale copy holding the lock is ended; a process that is not a copy is left alone', async () => {
  const target = await TargetSystem.start();
  await using project = await makeProject({
    node: 'stale',
    endpoints: { 'orders-in': 'orders-in.ts' },
    config: {
      endpoints: {
        defaults: { drainTimeoutMs: 1_000, restartBackoff: { initialMs: 200, maxMs: 1_000 } },
      },
    },
  });
  const dataDir = join(project.dir, 'data', 'endpoints', 'orders-in');
  await mkdir(dataDir, { recursive: true });
  const env = { E2E_TARGET_URL: target.url, E2E_QUEUE: `/queue/stale-${randomUUID()}` };
  const stranger = await holder(join(dataDir, 'lock'), { AES_ENDPOINT_NAME: 'orders-in' });
  let node: RunningNode | undefined;
  let stale: ChildProcess | undefined;
  try {
    // Not a copy (no node name in its environment): refused, never signalled.
    node = await RunningNode.start('stale', project, env);
    await node.waitLine(
      'the lock refused',
      (l) => l.endpoint === 'orders-in' && /held by process \d+/.test(JSON.stringify(l)),
      60_000,
    );
    assert.ok(alive(stranger), 'a process that is not a copy is left alone');
    node.child.kill('SIGTERM');
    await node.exited;
    stranger.kill('SIGKILL');
    await once(stranger, 'exit');

    // A copy of this endpoint of this node that ignores SIGTERM: killed, then the lock is taken.
    stale = await holder(join(dataDir, 'lock'), {
      AES_ENDPOINT_NAME: 'orders-in',
      AES_NODE_NAME: 'stale',
    });
    const staleExit = once(stale, 'exit');
    node = await RunningNode.start('stale', project, env);
    const [, signal] = (await staleExit) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, 'SIGKILL', 'it ignored SIGTERM, so it was killed');
    await node.waitLine(
      'the takeover logged',
      (l) => l.endpoint === 'orders-in' && /killed it, taking the data folder over/.test(l.msg),
      60_000,
    );
    // The endpoint then runs: what is published reaches the target.
    const producer = createTransport(node.field('embedded broker listening', 'url'));
    try {
      await producer.connect();
      await producer.publish(env.E2E_QUEUE as Destination, JSON.stringify({ n: 1 }), {
        messageId: 'stale:1',
      });
    } finally {
      await producer.close();
    }
    await pollUntil('the message at the target', () => target.accepted.length === 1, 60_000);
  } finally {
    if (node !== undefined && node.child.exitCode === null) {
      node.child.kill('SIGTERM');
      await node.exited;
    }
    for (const child of [stranger, stale])
      if (child !== undefined && alive(child)) child.kill('SIGKILL');
    await target.close();
  }
});
