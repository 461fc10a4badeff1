/**
 * `aes run` on a host of the bed: the process an operator's service manager would start, with
 * its JSON log lines (stderr) collected in order, its pid and its exit. Starting it again after a
 * kill is a new {@link NodeProcess} on the same host with the same options.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Host } from './host.js';
import { AES_CLI } from './paths.js';

/** One log record of the node (or of an endpoint, relayed by the node: `endpoint` is set). */
export interface LogLine {
  readonly time?: string;
  readonly level: string;
  readonly node?: string;
  readonly endpoint?: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface NodeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** `Date.now()` when the test saw the exit. */
  readonly at: number;
}

export interface NodeProcessOptions {
  /** The config file on the host. @defaultValue `<root>/aes.config.json` */
  readonly config?: string;
  /** Added to the test's environment (`AES_LOG_FORMAT=json` is always set). */
  readonly env?: NodeJS.ProcessEnv;
  /** Resolve only once the node logged `node started…`. @defaultValue true */
  readonly waitStarted?: boolean;
  /** Deadline for that line: `aes run` from source on a loaded machine is slow. @defaultValue 120000 */
  readonly startTimeoutMs?: number;
}

/** How long {@link NodeProcess.stop} waits after SIGTERM before SIGKILL. */
export const DEFAULT_STOP_TIMEOUT_MS = 60_000;

export class NodeProcess implements AsyncDisposable {
  readonly pid: number;
  /** `Date.now()` when the process was spawned. */
  readonly startedAt = Date.now();
  /** Parsed JSON log lines, in order. */
  readonly lines: LogLine[] = [];
  /** Every stderr line as written (stack traces and other non-JSON text too). */
  readonly raw: string[] = [];
  readonly exited: Promise<NodeExit>;
  #exit: NodeExit | undefined;

  private constructor(
    readonly host: Host,
    readonly options: NodeProcessOptions,
    readonly child: ChildProcess,
  ) {
    // A spawn that fails (no `ip`) emits 'error' later; without a listener it would crash the test.
    child.on('error', (err) => this.raw.push(`spawn error: ${err.message}`));
    if (child.pid === undefined) throw new Error(`aes run on ${host.name} did not start`);
    this.pid = child.pid;
    if (child.stderr !== null) {
      createInterface({ input: child.stderr }).on('line', (line) => {
        this.raw.push(line);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          // not a log record: kept in `raw`
        }
      });
    }
    child.stdout?.on('data', (chunk: Buffer) => this.raw.push(chunk.toString('utf8').trimEnd()));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal, at: Date.now() };
        resolve(this.#exit);
      });
    });
  }

  /** Starts `aes run <config>` on `host` in its root folder. */
  static async start(host: Host, options: NodeProcessOptions = {}): Promise<NodeProcess> {
    const config = options.config ?? `${host.root}/aes.config.json`;
    const child = host.spawn(host.nodeArgv(AES_CLI, ['run', config]), {
      env: { ...options.env, AES_LOG_FORMAT: 'json' },
    });
    const node = new NodeProcess(host, options, child);
    if (options.waitStarted ?? true) {
      await node.waitLine(
        'node started',
        (l) => l.msg.startsWith('node started'),
        options.startTimeoutMs ?? 120_000,
      );
    }
    return node;
  }

  /** The exit, once the process has exited. */
  get exit(): NodeExit | undefined {
    return this.#exit;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** Sends a signal to the node process (not its endpoints); false when it is gone. */
  signal(signal: NodeJS.Signals): boolean {
    if (this.#exit !== undefined) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGTERM (a graceful stop), SIGKILL after `timeoutMs`; resolves with the exit. */
  async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<NodeExit> {
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL; resolves with the exit. */
  kill(): Promise<NodeExit> {
    this.signal('SIGKILL');
    return this.exited;
  }

  /** The first line (from the start) that matches, waiting for it up to `timeoutMs`. */
  async waitLine(
    what: string,
    match: (line: LogLine) => boolean,
    timeoutMs = 30_000,
    from = 0,
  ): Promise<LogLine> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find(match);
      if (found !== undefined) return found;
      if (this.#exit !== undefined) {
        throw new Error(
          `node on ${this.host.name} exited (${this.#exit.signal ?? this.#exit.code}) before ${what}:\n${this.tail()}`,
        );
      }
      if (Date.now() > until) {
        throw new Error(
          `node on ${this.host.name}: no ${what} within ${timeoutMs} ms:\n${this.tail()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The last `n` stderr lines, for failure messages. */
  tail(n = 40): string {
    return this.raw.slice(-n).join('\n');
  }

  /** Stops the node gracefully (see {@link stop}); a bed's disposal kills what is left anyway. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
