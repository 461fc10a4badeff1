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
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AES_CLI, makeProject, TSX, type LogLine } from '../e2e/support/project.js';

const skip =
  process.getuid?.() !== 0
    ? 'needs root: it mounts a tmpfs of its own in a private mount namespace'
    : spawnSync('unshare', ['--version']).status !== 0
      ? "needs util-linux's unshare"
      : undefined;

const BODY = Buffer.alloc(64 * 1024, 'x').toString();

/** A raw STOMP connection: frames as they come, in order. */
class RawStomp {
  readonly frames: { command: string; headers: Record<string, string>; body: string }[] = [];
  #buffer = '';
  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      for (let end = this.#buffer.indexOf('\0'); end >= 0; end = this.#buffer.indexOf('\0')) {
        const raw = this.#buffer.slice(0, end).replace(/^\n+/, '');
        this.#buffer = this.#buffer.slice(end + 1);
        const [head = '', ...rest] = raw.split('\n\n');
        const [command = '', ...lines] = head.split('\n');
        const headers = Object.fromEntries(
          lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
        );
        this.frames.push({ command, headers, body: rest.join('\n\n') });
      }
    });
  }

  static async open(port: number): Promise<RawStomp> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) =>
      socket.once('connect', resolve).once('error', reject),
    );
    const stomp = new RawStomp(socket);
    socket.write('CONNECT\naccept-version:1.2\nhost:aes\n\n\0');
    await stomp.until('CONNECTED', () => stomp.frames.some((f) => f.command === 'CONNECTED'));
    return stomp;
  }

  send(receipt: string): void {
    this.socket.write(
      `SEND\ndestination:/queue/full\nreceipt:${receipt}\ncontent-length:${BODY.length}\n\n${BODY}\0`,
    );
  }

  write(frame: string): void {
    this.socket.write(frame);
  }

  async until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline)
        throw new Error(`no ${what}: ${JSON.stringify(this.frames.slice(-3))}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  receipts(): number {
    return this.frames.filter((f) => f.command === 'RECEIPT').length;
  }

  close(): void {
    this.socket.destroy();
  }
}

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
      const deadline = Date.now() + 60_000;
      for (;;) {
        const found = lines.find(ok);
        if (found !== undefined) return found;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`no ${what}:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const clients: RawStomp[] = [];
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

      const first = await RawStomp.open(port);
      clients.push(first);
      for (let i = 1; i <= 200 && !first.frames.some((f) => f.command === 'ERROR'); i += 1) {
        first.send(`r${i}`);
        await first.until(`an answer to r${i}`, () => first.frames.length > i);
      }
      const error = first.frames.find((f) => f.command === 'ERROR');
      assert.ok(error !== undefined, 'a SEND was refused');
      assert.match(error.headers.message ?? '', /disk full \(no space left on device\)/);
      assert.match(error.body, /not stored \(nothing receipted is lost/);
      const receipted = first.receipts();
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
      const second = await RawStomp.open(port);
      clients.push(second);
      second.send('after');
      await second.until('the receipt after space returned', () => second.receipts() === 1);
      await line(
        'recovery logged',
        (l) => l.msg === 'embedded broker: its store writes again; SENDs are taken',
      );
      assert.match(await (await fetch(`${http}/metrics`)).text(), /^aes_broker_store_failing 0$/m);
      assert.equal((await fetch(`${http}/readyz`)).status, 200);

      // Every receipted message is there, whole.
      second.write('SUBSCRIBE\nid:0\ndestination:/queue/full\nack:auto\n\n\0');
      const expected = receipted + 1;
      await second.until(
        `${expected} messages`,
        () => second.frames.filter((f) => f.command === 'MESSAGE').length >= expected,
      );
      const messages = second.frames.filter((f) => f.command === 'MESSAGE');
      assert.equal(messages.length, expected);
      assert.ok(
        messages.every((m) => m.body === BODY),
        'every body whole',
      );
    } finally {
      for (const c of clients) c.close();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
  },
);
