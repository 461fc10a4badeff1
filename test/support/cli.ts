/** Runs the `aes` CLI from source as a real child process. */
import {
  spawn,
  spawnSync,
  type ChildProcessByStdio,
  type SpawnSyncReturns,
} from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('../../cli/run.ts', import.meta.url));

interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Node flags after `--import tsx`, e.g. another `--import` preload. */
  nodeArgs?: readonly string[];
}

/**
 * The environment a command gets by default: this process's, without `FORCE_COLOR`, which
 * `node --test` sets for test files when it writes to a terminal; with it the commands would
 * colour their output (cli/colour.ts) and tests that read it would fail in a terminal only.
 */
function defaultEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.FORCE_COLOR;
  return env;
}

function argv(args: readonly string[], options: CliOptions): string[] {
  return ['--import', 'tsx', ...(options.nodeArgs ?? []), ENTRY, ...args];
}

export function runCli(
  args: readonly string[],
  options: CliOptions & { input?: string; timeoutMs?: number } = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, argv(args, options), {
    encoding: 'utf8',
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? defaultEnv(),
    timeout: options.timeoutMs ?? 120_000,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
}

/** Starts the CLI and returns at once, stdout and stderr piped (a long-running command). */
export function spawnCli(
  args: readonly string[],
  options: CliOptions = {},
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, argv(args, options), {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? defaultEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** What {@link runCliAsync} resolves with: exit status, output, and how long it took. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs the CLI without blocking this process (a broker or proxy in it must keep answering);
 * killed after `timeoutMs` (90 s).
 */
export function runCliAsync(
  args: readonly string[],
  options: CliOptions & { timeoutMs?: number } = {},
): Promise<CliRun> {
  const started = Date.now();
  const child = spawnCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill(), options.timeoutMs ?? 90_000);
  return new Promise((resolve) => {
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, ms: Date.now() - started });
    });
  });
}
