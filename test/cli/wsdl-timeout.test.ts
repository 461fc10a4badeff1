/**
 * `--timeout` of the commands that fetch a WSDL by URL, against a real TCP server on loopback that
 * accepts every connection and never answers: the command waits as long as the flag says, shows
 * that it waits (on stderr, not under --json), and fails naming the URL and the flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeout } from '../../cli/wsdl-timeout.js';
import { createProject } from '../../scaffold/index.js';
import { REPO_ROOT, spawnCli } from '../support/cli.js';
import { within } from '../support/wait.js';

interface Silent {
  readonly url: string;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

/** A server that accepts connections, reads what is sent and never writes a byte. */
async function silentServer(): Promise<Silent> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/slow.wsdl`,
    accepted: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs the CLI without blocking this process, which serves the silent server meanwhile. */
async function run(args: readonly string[]): Promise<Run> {
  const started = performance.now();
  const child = spawnCli(args);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const status = await within(
    `aes ${args.join(' ')} to exit`,
    new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code))),
    60_000,
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return { status, stdout, stderr, ms: performance.now() - started };
}

test('--timeout takes milliseconds or a duration with a unit', () => {
  assert.equal(parseTimeout('1500'), 1500);
  assert.equal(parseTimeout('500ms'), 500);
  assert.equal(parseTimeout('1.5s'), 1500);
  assert.equal(parseTimeout('2m'), 120_000);
  assert.equal(parseTimeout('1h'), 3_600_000);
  for (const bad of ['', '0', '-5', 'soon', '5 minutes', '2d', '25h']) {
    assert.throws(() => parseTimeout(bad), /expected milliseconds or a duration/, bad);
  }
});

test('aes describe: waits as long as --timeout, says so on stderr, then names the URL and the flag', async () => {
  const server = await silentServer();
  try {
    const r = await run(['describe', server.url, '--allow-network', '--timeout', '2500ms']);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.ok(server.accepted() >= 1, 'the command reached the server');
    assert.ok(r.ms >= 2_500, `exited after ${Math.round(r.ms)} ms, before the deadline`);
    // stderr is not a terminal here: the progress line is written once (it repeats every 10 s).
    const progress = r.stderr.split('\n').filter((l) => l.startsWith('aes: fetching'));
    assert.deepEqual(progress, [`aes: fetching ${server.url} (1 s)`], r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `aes: error \\[WSDL_FETCH_TIMEOUT\\]: no answer from '${server.url.replace(/[.]/g, '\\.')}' within 2\\.5 s; wait longer with --timeout`,
      ),
    );
  } finally {
    await server.close();
  }
});

test('under --json: no progress line, the timeout as a JSON error on stdout', async () => {
  const server = await silentServer();
  try {
    const r = await run(['describe', server.url, '--allow-network', '--timeout', '1200', '--json']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, '');
    const { error } = JSON.parse(r.stdout) as {
      error: { code: string; message: string; exitCode: number };
    };
    assert.equal(error.code, 'WSDL_FETCH_TIMEOUT');
    assert.equal(error.exitCode, 1);
    assert.match(error.message, /within 1\.2 s; wait longer with --timeout/);
    assert.ok(error.message.includes(server.url), error.message);
  } finally {
    await server.close();
  }
});

test('aes gen, aes mock and aes endpoint create take --timeout too', async () => {
  const server = await silentServer();
  const dir = await mkdtemp(join(tmpdir(), 'aes-wsdl-timeout-'));
  try {
    const project = join(dir, 'p');
    await createProject({ dir: project, aes: `file:${REPO_ROOT}` });
    const commands: readonly (readonly string[])[] = [
      ['gen', '--wsdl', server.url, '--out', join(dir, 'generated')],
      ['gen', '--describe', '--wsdl', server.url],
      ['mock', '--wsdl', server.url],
      [
        'endpoint',
        'create',
        '--project',
        project,
        '--kind',
        'outbound',
        '--phase',
        'single',
        '--name',
        'slow',
        '--wsdl',
        server.url,
        '--pop',
        'Pop',
        '--popped',
        'Popped',
        '--destination',
        '/queue/slow',
      ],
    ];
    for (const args of commands) {
      const r = await run([...args, '--allow-network', '--timeout', '300ms']);
      assert.equal(r.status, 1, `aes ${args.join(' ')}:\n${r.stderr}`);
      assert.match(
        r.stderr,
        /\[WSDL_FETCH_TIMEOUT\]: no answer from '.*' within 300 ms; wait longer with --timeout/,
        `aes ${args.join(' ')}`,
      );
      assert.ok(r.stderr.includes(server.url), r.stderr);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await server.close();
  }
});

test('a --timeout that is not a duration is a usage error (exit 2)', async () => {
  const r = await run(['describe', 'x.wsdl', '--timeout', 'soon']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /option '--timeout <ms\|duration>' argument 'soon' is invalid/);
});

test('--help shows the default deadline, 30s', async () => {
  const r = await run(['describe', '--help']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /--timeout <ms\|duration>.*\(default: 30s\)/s);
});
