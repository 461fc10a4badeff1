/**
 * Runs the `aes` CLI from source on a pseudo-terminal (util-linux `script`, no native module), typing
 * keys once the text they answer has appeared: what the tests of its questions need, since it asks
 * nothing when stdin is not a terminal.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './cli.js';

const ENTRY = fileURLToPath(new URL('../../cli/run.ts', import.meta.url));

/** Why terminal tests skip, or undefined when `script` is there. */
export const SCRIPT_MISSING =
  spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0
    ? undefined
    : 'util-linux `script` is not installed (it provides the pseudo-terminal)';

/** Text the command must print after the previous keys were typed, and the keys then typed, as is. */
export type Keys = readonly [waitFor: string, typed: string];

/** Ctrl-D: on an empty line, the end of the input. */
export const CTRL_D = '\x04';

export interface TerminalRun {
  /** The exit code, null when killed. */
  readonly code: number | null;
  /** Everything the terminal showed (stdout and stderr, the keys echoed). */
  readonly output: string;
  /** How many of the keys were typed (each once its text appeared). */
  readonly typed: number;
}

function withoutForceColour(): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _, ...env } = process.env;
  return env;
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Runs `aes <args>` on a pseudo-terminal, typing each `keys` once its text appeared. */
export async function runOnTerminal(
  args: readonly string[],
  keys: readonly Keys[],
  options: {
    readonly timeoutMs?: number;
    /**
     * The terminal's type. Under `dumb` node:readline edits nothing (no Tab completion, no
     * history); another type (colours off with NO_COLOR) has them.
     * @defaultValue `'dumb'`
     */
    readonly term?: string;
  } = {},
): Promise<TerminalRun> {
  const command = [process.execPath, '--import', 'tsx', ENTRY, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...withoutForceColour(), TERM: options.term ?? 'dumb', NO_COLOR: '1' },
  });
  let output = '';
  let seen = 0; // where the next text is looked for: what came after the last keys typed
  let next = 0;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const onData = (d: Buffer): void => {
    output += d.toString('utf8');
    for (;;) {
      const k = keys[next];
      if (k === undefined) return;
      const at = output.indexOf(k[0], seen);
      if (at < 0) return;
      seen = output.length; // the next text is one printed after these keys
      next += 1;
      child.stdin.write(k[1]);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await exited;
  clearTimeout(killer);
  child.stdin.end();
  return { code, output, typed: next };
}
