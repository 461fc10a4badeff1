/**
 * Colour in the CLI's output: on a terminal only, never under --json, off with NO_COLOR, forced
 * with FORCE_COLOR; and without colour every byte is what it was before colour existed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { colourEnabled, paintFor, tableStyle } from '../../cli/colour.js';
import { formatClusterStatus, type ClusterStatus } from '../../runtime/node/index.js';
import { REPO_ROOT, runCli } from '../support/cli.js';

/** This process's environment without the colour switches, plus `extra`. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', ...extra };
  for (const k of ['NO_COLOR', 'FORCE_COLOR'] as const) if (!(k in extra)) delete out[k];
  return out;
}

const RED = (text: string): string => `\x1b[31m${text}\x1b[39m`;
const MISSING = ['config', 'check', '-c', 'no-such-config.json'];
const PLAIN_ERROR = /^aes: error \[RUNTIME_CONFIG_UNREADABLE\]: no-such-config\.json: /;

test('when colour is on: a terminal, unless NO_COLOR; FORCE_COLOR forces it', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  const cases: [stream: { isTTY: boolean }, env: NodeJS.ProcessEnv, on: boolean][] = [
    [tty, {}, true],
    [pipe, {}, false],
    [tty, { NO_COLOR: '1' }, false],
    [tty, { NO_COLOR: '' }, true],
    [pipe, { FORCE_COLOR: '1' }, true],
    [pipe, { FORCE_COLOR: '3' }, true],
    [pipe, { FORCE_COLOR: '' }, false],
    [tty, { FORCE_COLOR: '0' }, false],
    [tty, { FORCE_COLOR: 'false' }, false],
    [pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }, false],
    [tty, { TERM: 'dumb' }, false],
    [pipe, { TERM: 'dumb', FORCE_COLOR: '1' }, true],
  ];
  for (const [stream, e, on] of cases) {
    assert.equal(colourEnabled(stream, e), on, `${JSON.stringify(stream)} ${JSON.stringify(e)}`);
  }
  assert.equal(paintFor(tty, true, {})('error', 'x'), 'x', 'never under --json');
});

test('an error without a terminal is plain text, byte for byte', () => {
  const r = runCli(MISSING, { env: env() });
  assert.equal(r.status, 1);
  assert.match(r.stderr, PLAIN_ERROR);
  assert.ok(!r.stderr.includes('\x1b'), JSON.stringify(r.stderr));
});

test('FORCE_COLOR colours the error prefix red without a terminal; NO_COLOR wins', () => {
  const forced = runCli(MISSING, { env: env({ FORCE_COLOR: '1' }) });
  assert.equal(forced.status, 1);
  assert.ok(
    forced.stderr.startsWith(`${RED('aes: error [RUNTIME_CONFIG_UNREADABLE]:')} no-such-config`),
    JSON.stringify(forced.stderr),
  );
  const plain = runCli(MISSING, { env: env() });
  // The same bytes once the colour is taken out.
  assert.equal(forced.stderr.replace(/\x1b\[\d+m/g, ''), plain.stderr);
  for (const off of [{ FORCE_COLOR: '1', NO_COLOR: '1' }, { FORCE_COLOR: '0' }]) {
    const r = runCli(MISSING, { env: env(off) });
    assert.equal(r.stderr, plain.stderr, JSON.stringify(off));
  }
});

test('under --json nothing is coloured, even with FORCE_COLOR', () => {
  const r = runCli([...MISSING, '--json'], { env: env({ FORCE_COLOR: '1' }) });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, '');
  assert.ok(!r.stdout.includes('\x1b'), r.stdout);
  assert.equal(
    (JSON.parse(r.stdout) as { error: { code: string } }).error.code,
    'RUNTIME_CONFIG_UNREADABLE',
  );
});

test('a usage error is red too', () => {
  const r = runCli(['--no-such-flag'], { env: env({ FORCE_COLOR: '1' }) });
  assert.equal(r.status, 2);
  assert.ok(
    r.stderr.startsWith(RED("error: unknown option '--no-such-flag'")),
    JSON.stringify(r.stderr),
  );
});

test('success is green on stdout', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aes-colour-'));
  try {
    const r = runCli(['create', join(dir, 'p'), '--aes', `file:${REPO_ROOT}`], {
      env: env({ FORCE_COLOR: '1' }),
    });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(
      r.stdout.startsWith(`\x1b[32mcreated aes project 'p'\x1b[39m in `),
      JSON.stringify(r.stdout),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const hasScript = spawnSync('script', ['--version']).status === 0;

test(
  'on a real terminal (a pty through script(1)) the error is red; NO_COLOR turns it off',
  { skip: !hasScript && 'script(1) from util-linux is not installed' },
  () => {
    const line = `${JSON.stringify(process.execPath)} --import tsx cli/run.ts ${MISSING.join(' ')}`;
    const onTty = (e: NodeJS.ProcessEnv): string =>
      spawnSync('script', ['-qec', line, '/dev/null'], {
        cwd: REPO_ROOT,
        env: e,
        encoding: 'utf8',
        timeout: 60_000,
      }).stdout;
    assert.ok(onTty(env()).includes(RED('aes: error [RUNTIME_CONFIG_UNREADABLE]:')));
    const off = onTty(env({ NO_COLOR: '1' }));
    assert.ok(off.includes('aes: error [RUNTIME_CONFIG_UNREADABLE]:'), off);
    assert.ok(!off.includes('\x1b['), JSON.stringify(off));
  },
);

test('aes status: header bold, states coloured, columns as without colour', () => {
  const endpoint = {
    node: 'a',
    pid: 10,
    restarts: 0,
    lastError: null,
    step: 'idle',
    stepAgeMs: 120,
    counters: null,
    broker: null,
  } as const;
  const status: ClusterStatus = {
    nodes: [
      {
        node: 'a',
        pid: 1,
        startedAt: '',
        endpoints: [
          { ...endpoint, name: 'orders-out', state: 'running' },
          { ...endpoint, name: 'orders-in', state: 'failed', lastError: 'target down' },
        ],
      },
    ],
  };
  const plain = formatClusterStatus(status);
  const coloured = formatClusterStatus(
    status,
    tableStyle(paintFor({}, false, { FORCE_COLOR: '1' })),
  );
  assert.equal(coloured.replace(/\x1b\[\d+m/g, ''), plain);
  const [heading, running, failed] = coloured.split('\n');
  assert.match(heading ?? '', /^\x1b\[1mNODE +ENDPOINT +STATE/);
  assert.match(running ?? '', /\x1b\[32mrunning\x1b\[39m {2}0/);
  assert.match(failed ?? '', /\x1b\[31mfailed +\x1b\[39m/);
});
