/**
 * A delay on one path between hosts, where a test needs it (this kernel has no netem): a TCP
 * relay of the test's own running on a host, listening on that host's address and passing every
 * chunk on to a target after `delayMs`. Point a node at the relay (as its seed, say) instead of
 * at the target; the nemesis changes the delay.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import type { Host } from './host.js';
import { RELAY_MAIN } from './paths.js';

export interface DelayRelayOptions {
  /** Port on the relay's host. @defaultValue a free one */
  readonly port?: number;
  readonly to: { readonly host: Host; readonly port: number };
  /** @defaultValue 0 */
  readonly delayMs?: number;
  /** @defaultValue 60000 */
  readonly startTimeoutMs?: number;
}

export class DelayRelay implements AsyncDisposable {
  /** `relay <host>:<port> -> <target>:<port>`. */
  readonly name: string;
  #delayMs: number;
  readonly #lines: Interface;
  readonly #child: ChildProcess;

  private constructor(
    readonly host: Host,
    readonly port: number,
    options: DelayRelayOptions,
    child: ChildProcess,
    lines: Interface,
  ) {
    this.name = `relay ${host.name}:${port} -> ${options.to.host.name}:${options.to.port}`;
    this.#delayMs = options.delayMs ?? 0;
    this.#child = child;
    this.#lines = lines;
  }

  static async start(host: Host, options: DelayRelayOptions): Promise<DelayRelay> {
    const child = host.spawn(
      host.nodeArgv(RELAY_MAIN, [
        String(options.port ?? 0),
        options.to.host.address,
        String(options.to.port),
        String(options.delayMs ?? 0),
      ]),
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const first = await nextLine(lines, child, options.startTimeoutMs ?? 60_000);
    const port = (JSON.parse(first) as { port: number }).port;
    return new DelayRelay(host, port, options, child, lines);
  }

  /** Where to connect: the relay's host address and port. */
  get address(): string {
    return `${this.host.address}:${this.port}`;
  }

  get delayMs(): number {
    return this.#delayMs;
  }

  /** Changes the delay of every chunk from now on (chunks on their way keep theirs). */
  async setDelay(ms: number): Promise<void> {
    const answer = nextLine(this.#lines, this.#child, 10_000);
    this.#child.stdin?.write(`${JSON.stringify({ delayMs: ms })}\n`);
    await answer;
    this.#delayMs = ms;
  }

  /** Stops the relay (its connections close). Idempotent. */
  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.stdin?.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function nextLine(lines: Interface, child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      lines.off('line', onLine);
      child.off('exit', onExit);
    };
    const onLine = (line: string): void => {
      done();
      resolve(line);
    };
    const onExit = (code: number | null): void => {
      done();
      reject(new Error(`the relay exited (${code})`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`the relay did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    lines.on('line', onLine);
    child.once('exit', onExit);
  });
}
