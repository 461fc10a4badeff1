/**
 * Every command module is loaded for every command, so a command's heavy library (the code
 * generator with ts-morph and TypeScript, the broker, the node runtime) must load only when that
 * command runs. These tests run the CLI as a child process with a preload that lists the CommonJS
 * modules it loaded (fixtures/report-loaded-modules.mjs says why that mechanism).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../../cli/main.js';
import { REPO_ROOT, runCli, spawnCli } from '../support/cli.js';
import { pollUntil } from '../support/wait.js';

const HOOK = fileURLToPath(new URL('fixtures/report-loaded-modules.mjs', import.meta.url));
const SOURCE_WSDL = join(REPO_ROOT, 'demo/wsdl/source-system.wsdl');
/** The code generator's dependencies: ts-morph bundles TypeScript in @ts-morph/common. */
const GENERATOR = /\/node_modules\/(ts-morph|@ts-morph\/common|typescript|handlebars)\//;
/** The broker clients: a command loads one only when it connects to a broker of that kind. */
const CLIENTS = /\/node_modules\/(stompit|mqtt)\//;
/** What declaring the commands may load: commander, and the test's own TypeScript loader. */
const DECLARING = new Set(['commander', 'tsx', 'esbuild']);

/** Runs `run` with the report switched on; the modules listed once the child has exited. */
async function withReport<T>(
  run: (env: NodeJS.ProcessEnv) => T | Promise<T>,
): Promise<{ result: T; modules: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'aes-lazy-load-'));
  try {
    const file = join(dir, 'modules.txt');
    const result = await run({ ...process.env, AES_LOADED_MODULES_FILE: file });
    return { result, modules: readFileSync(file, 'utf8').split('\n').filter(Boolean) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function loaded(
  args: readonly string[],
): Promise<{ status: number | null; modules: string[] }> {
  const { result, modules } = await withReport((env) =>
    runCli(args, { env, nodeArgs: ['--import', HOOK] }),
  );
  return { status: result.status, modules };
}

/** The npm packages among `modules` (`@scope/name` or `name`). */
function packages(modules: readonly string[]): string[] {
  const names = new Set<string>();
  for (const m of modules) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(m);
    if (match?.[1] !== undefined) names.add(match[1]);
  }
  return [...names].sort();
}

test('the report sees the code generator when a command does load it (control)', async () => {
  const r = await loaded(['describe', SOURCE_WSDL]);
  assert.equal(r.status, 0);
  assert.ok(
    r.modules.some((m) => GENERATOR.test(m)),
    `describe loaded ${packages(r.modules).join(', ')}`,
  );
});

test('--version and every --help load no dependency but commander', async () => {
  const program = buildProgram(() => undefined);
  const runs: string[][] = [['--version'], ['--help']];
  for (const command of program.commands) {
    runs.push([command.name(), '--help']);
    for (const sub of command.commands) runs.push([command.name(), sub.name(), '--help']);
  }
  for (const args of runs) {
    const r = await loaded(args);
    assert.equal(r.status, 0, args.join(' '));
    const extra = packages(r.modules).filter((p) => !DECLARING.has(p));
    assert.deepEqual(extra, [], `aes ${args.join(' ')} loaded ${extra.join(', ')}`);
  }
});

test('aes post and aes run do not load the code generator, nor a broker client', async () => {
  // Both fail fast (nothing listens on port 1; no such config file) after loading their library.
  for (const args of [
    ['post', 'poe://k/s/state', '--address', 'tcp://127.0.0.1:1', '--timeout-ms', '2000'],
    ['run', join(tmpdir(), 'aes-lazy-load-no-such-config.json')],
  ]) {
    const r = await loaded(args);
    assert.equal(r.status, 1, args.join(' '));
    const heavy = r.modules.filter((m) => GENERATOR.test(m));
    assert.deepEqual(heavy, [], `aes ${args[0]} loaded the code generator`);
    const clients = packages(r.modules.filter((m) => CLIENTS.test(m)));
    assert.deepEqual(clients, [], `aes ${args[0]} loaded ${clients.join(', ')}`);
  }
});

test('a running aes broker does not load the code generator', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aes-lazy-load-broker-'));
  try {
    const { result, modules } = await withReport(async (env) => {
      const child = spawnCli(['broker', '--port', '0', '--data-dir', dataDir], {
        env,
        nodeArgs: ['--import', HOOK],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      try {
        await pollUntil('aes broker to listen', () => out.includes('listening on'), 30_000);
        child.kill('SIGTERM');
        await pollUntil(
          'aes broker to exit',
          () => child.exitCode !== null || child.signalCode !== null,
          30_000,
        );
        return { code: child.exitCode ?? child.signalCode, out };
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });
    assert.equal(result.code, 0, result.out);
    const heavy = modules.filter((m) => GENERATOR.test(m));
    assert.deepEqual(heavy, [], 'aes broker loaded the code generator');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** Runs a long-lived command until its output says `ready`, stops it, and returns what it loaded. */
async function loadedWhileServing(
  args: readonly string[],
  ready: RegExp,
  timeoutMs: number,
): Promise<{ code: number | NodeJS.Signals | null; out: string; modules: string[] }> {
  const { result, modules } = await withReport(async (env) => {
    const child = spawnCli(args, { env, nodeArgs: ['--import', HOOK] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      await pollUntil(`aes ${args[0]} to be ready`, () => ready.test(out), timeoutMs);
      child.kill('SIGTERM');
      await pollUntil(
        `aes ${args[0]} to exit`,
        () => child.exitCode !== null || child.signalCode !== null,
        30_000,
      );
      return { code: child.exitCode ?? child.signalCode, out };
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
  return { ...result, modules };
}

test('a serving aes mock loads neither the code generator nor a broker client', async () => {
  const r = await loadedWhileServing(
    ['mock', '--wsdl', SOURCE_WSDL, '--port', '0'],
    /listening|http:\/\//,
    30_000,
  );
  assert.equal(r.code, 0, r.out);
  const heavy = packages(r.modules.filter((m) => GENERATOR.test(m) || CLIENTS.test(m)));
  assert.deepEqual(heavy, [], `aes mock loaded ${heavy.join(', ')}`);
});

test('aes demo does not load the code generator', async () => {
  const { result, modules } = await withReport((env) =>
    runCli(['demo', '--records', '20'], { env, nodeArgs: ['--import', HOOK] }),
  );
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  assert.match(result.stdout, /20 popped, 20 delivered, 0 lost, 0 duplicates/);
  const heavy = packages(modules.filter((m) => GENERATOR.test(m)));
  assert.deepEqual(heavy, [], `aes demo loaded ${heavy.join(', ')}`);
});
