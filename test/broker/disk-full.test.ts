/**
 * A full disk under a node's embedded broker (issue 19), on a small file system of the test's
 * own: `aes run` starts in a private mount namespace (`unshare -m`) whose data folder is an 8 MiB
 * tmpfs, so the mount exists only for that process and goes with it. A ballast file fills the
 * disk; SENDs are then refused with an ERROR frame that says the disk is full, the node says so
 * in its log, `/status.json`, `/readyz` and `/metrics`; once the ballast is deleted the broker
 * takes SENDs again by itself, and every message it receipted is still there to consume.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AES_CLI, makeProject, TSX, type LogLine } from '../e2e/support/project.js';
import { pollUntil } from '../support/wait.js';
import { RawClient, waitFor } from './support.js';

const skip =
  process.getuid?.() !== 0
    ? 'needs root: it mounts a tmpfs of its own in a private mount namespace'
    : spawnSync('unshare', ['--version']).status !== 0
      ? "needs util-linux's unshare"
      : undefined;

const BODY = Buffer.alloc(64 * 1024, 'x').toString();

/** A SEND of one 64 KiB body to /queue/full, asking for a receipt. */
function sendFrame(receipt: string): string {
  return `SEND\ndestination:/queue/full\nreceipt:${receipt}\ncontent-length:${BODY.length}\n\n${BODY}\0`;
}

const framesOf = (client: RawClient, command: string) =>
  client.frames().filter((f) => f.command === command);

test(
  'a full disk: SENDs refused saying so, the node reports it, and it recovers by itself with nothing lost',
  { skip },
  async () => {
    await using project = await makeProject({ node: 'full', endpoints: {} });
    const data = join(project.dir, 'data');
    mkdirSync(data, { recursive: true });
    const child = spawn(
      'unshare',
      [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount -t tmpfs -o size=8m aes-full "$1" && shift && exec "$@"',
        'sh',
        data,
        process.execPath,
        '--import',
        TSX,
        AES_CLI,
        'run',
        project.configFile,
      ],
      {
        cwd: project.dir,
        env: { ...process.env, AES_LOG_FORMAT: 'json' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const lines: LogLine[] = [];
    createInterface({ input: child.stderr }).on('line', (l) => {
      try {
        lines.push(JSON.parse(l) as LogLine);
      } catch {
        lines.push({ level: 'raw', msg: l });
      }
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const line = async (what: string, ok: (l: LogLine) => boolean): Promise<LogLine> => {
      await pollUntil(what, () => lines.some(ok) || child.exitCode !== null, 60_000);
      const found = lines.find(ok);
      if (found === undefined) {
        throw new Error(`no ${what}:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
      }
      return found;
    };
    const clients: RawClient[] = [];
    try {
      await line('node started', (l) => l.msg.startsWith('node started'));
      const port = Number(
        new URL(String((await line('broker', (l) => l.msg === 'embedded broker listening')).url))
          .port,
      );
      const http = String((await line('http', (l) => l.msg === 'http listening')).url);
      // The disk fills up: the ballast leaves about 1.5 MiB.
      const ballast = `/proc/${child.pid}/root${data}/ballast`;
      writeFileSync(ballast, Buffer.alloc(6 * 1024 * 1024));

      const first = await RawClient.connected(port);
      clients.push(first);
      for (let i = 1; i <= 200 && framesOf(first, 'ERROR').length === 0; i += 1) {
        first.write(sendFrame(`r${i}`));
        // CONNECTED, then one answer per SEND.
        await waitFor(`an answer to r${i}`, () => first.frames().length > i, 20_000);
      }
      const error = framesOf(first, 'ERROR')[0];
      assert.ok(error !== undefined, 'a SEND was refused');
      assert.match(error.headers.message ?? '', /disk full \(no space left on device\)/);
      assert.match(error.body, /not stored \(nothing receipted is lost/);
      const receipted = framesOf(first, 'RECEIPT').length;
      assert.ok(receipted >= 1, `${receipted} receipted before the disk was full`);

      await line(
        'the error logged',
        (l) => l.level === 'error' && /store cannot write: disk full/.test(l.msg),
      );
      const status = (await (await fetch(`${http}/status.json`)).json()) as {
        cluster: { nodes: { storeFailure?: { message: string } }[] };
      };
      assert.match(status.cluster.nodes[0]?.storeFailure?.message ?? '', /disk full/);
      const ready = await fetch(`${http}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(await ready.text(), /store cannot write since .*disk full/);
      const metrics = await (await fetch(`${http}/metrics`)).text();
      assert.match(metrics, /^aes_broker_store_failing 1$/m);
      assert.match(metrics, /^aes_broker_store_failures_total [1-9]/m);

      // Space returns: the next SEND is taken, with no restart.
      unlinkSync(ballast);
      const second = await RawClient.connected(port);
      clients.push(second);
      second.write(sendFrame('after'));
      await waitFor(
        'the receipt after space returned',
        () => framesOf(second, 'RECEIPT').length === 1,
        20_000,
      );
      await line(
        'recovery logged',
        (l) => l.msg === 'embedded broker: its store writes again; SENDs are taken',
      );
      assert.match(await (await fetch(`${http}/metrics`)).text(), /^aes_broker_store_failing 0$/m);
      assert.equal((await fetch(`${http}/readyz`)).status, 200);

      // Every receipted message is there, whole.
      second.write('SUBSCRIBE\nid:0\ndestination:/queue/full\nack:auto\n\n\0');
      const expected = receipted + 1;
      await waitFor(
        `${expected} messages`,
        () => framesOf(second, 'MESSAGE').length >= expected,
        20_000,
      );
      const messages = framesOf(second, 'MESSAGE');
      assert.equal(messages.length, expected);
      assert.ok(
        messages.every((m) => m.body === BODY),
        'every body whole',
      );
    } finally {
      for (const c of clients) c.destroy();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
  },
);
