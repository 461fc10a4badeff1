/** Runs a TypeScript fixture in a child process (through tsx) and reads its stdout by lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const FIXTURES = new URL('../fixtures/', import.meta.url);

export interface Child extends AsyncDisposable {
  readonly process: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first stdout line matching `pattern`; rejects after `timeoutMs`. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /**
   * Resolves with the exit code (or signal name) once the child exited and its stdout was read
   * to the end: `lines` then holds every line it printed.
   */
  readonly exited: Promise<number | string>;
}

export function runFixture(file: string, args: readonly string[]): Child {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL(file, FIXTURES).pathname, ...args],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters) wake();
  });
  // 'close', not 'exit': a killed child's last lines may still be in the pipe at its exit.
  const exited = once(child, 'close').then(([code, signal]) =>
    code === null ? String(signal) : Number(code),
  );
  return {
    process: child,
    lines,
    exited,
    line(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find((l) => pattern.test(l));
          if (found === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
