/**
 * The business systems of a multi-host test — a FIFO source and a recording target
 * (test/hosts/fixtures/systems-main.ts) — run on a host, so that the endpoints on that host reach
 * them on its loopback. What they saw comes back over the child's stdout, one JSON line per
 * event, and is kept here for the checks (test/support/chaos/checks.ts) to judge.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { SourceEvent, TargetEvent } from '../chaos/checks.js';
import type { Host } from './host.js';

const SYSTEMS_MAIN = fileURLToPath(
  new URL('../../hosts/fixtures/systems-main.ts', import.meta.url),
);
const READY_TIMEOUT_MS = 60_000;

interface Line {
  readonly ready?: boolean;
  readonly url?: string;
  readonly fed?: number;
  readonly op?: 'pop' | 'popped' | 'accepted' | 'request';
  readonly from?: string;
  readonly id?: string;
  readonly messageId?: string;
  readonly at?: number;
}

/** Where a system listens when endpoints on other hosts call it: all addresses, named by its host. */
function listenArgs(host: Host, shared: boolean): string[] {
  return shared ? ['--listen', '0.0.0.0', '--advertise', host.name] : [];
}

/** A call the system saw: when (`Date.now()` there), and the caller's address. */
export interface HostRequest {
  readonly at: number;
  readonly from: string;
}

abstract class HostSystem implements AsyncDisposable {
  /** Every call, with its caller: which host called when. */
  readonly requests: HostRequest[] = [];
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #stderr: string[] = [];
  #url: string | undefined;
  protected readonly waiters = new Set<() => void>();

  protected constructor(
    readonly host: Host,
    args: readonly string[],
  ) {
    this.#child = host.spawn(host.nodeArgv(SYSTEMS_MAIN, args), {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.on('error', (err) => this.#stderr.push(`spawn error: ${err.message}`));
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    createInterface({ input: this.#child.stdout as NodeJS.ReadableStream }).on('line', (raw) => {
      const line = JSON.parse(raw) as Line;
      if (line.ready === true) this.#url = line.url;
      else if (line.op === 'request') {
        this.requests.push({ at: line.at ?? Date.now(), from: line.from ?? '?' });
      } else this.onLine(line);
      for (const wake of [...this.waiters]) wake();
    });
    createInterface({ input: this.#child.stderr as NodeJS.ReadableStream }).on('line', (l) =>
      this.#stderr.push(l),
    );
  }

  protected abstract onLine(line: Line): void;

  /** The system's URL: on its host's loopback (only endpoints there reach it), or its host's name when shared. */
  get url(): string {
    if (this.#url === undefined) throw new Error(`the system on ${this.host.name} is not ready`);
    return this.#url;
  }

  protected async ready(): Promise<void> {
    await this.until('ready', () => this.#url !== undefined, READY_TIMEOUT_MS);
  }

  /** Resolves once `done()` holds (checked on every event), or rejects after `timeoutMs`. */
  until(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) {
          if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
            finish(new Error(`the system on ${this.host.name} exited: ${this.#stderr.join('\n')}`));
          }
          return;
        }
        finish();
      };
      const timer = setTimeout(
        () => finish(new Error(`${this.host.name}: no ${what} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err === undefined) resolve();
        else reject(err);
      };
      this.waiters.add(check);
      this.#child.once('exit', check);
    });
  }

  protected send(line: string): void {
    this.#child.stdin?.write(`${line}\n`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#child.stdin?.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

/** The FIFO source: records 1, 2, 3… arrive at a steady rate until {@link stopFeeding}. */
export class HostSource extends HostSystem {
  readonly history: SourceEvent[] = [];
  #fed: number | undefined;

  /** `shared`: listening on every address of its host, for endpoints on other hosts. */
  static async start(host: Host, perSecond: number, shared = false): Promise<HostSource> {
    const source = new HostSource(host, ['source', String(perSecond), ...listenArgs(host, shared)]);
    await source.ready();
    return source;
  }

  protected onLine(line: Line): void {
    if (line.fed !== undefined) this.#fed = line.fed;
    else if ((line.op === 'pop' || line.op === 'popped') && line.id !== undefined) {
      this.history.push({ op: line.op, id: line.id, at: line.at ?? Date.now() });
    }
  }

  /** Stops adding records; resolves with how many there are (ids 1..n). */
  async stopFeeding(): Promise<number> {
    this.send('stop');
    await this.until('fed count', () => this.#fed !== undefined, READY_TIMEOUT_MS);
    return this.#fed as number;
  }
}

/** The recording target: every record it accepted, in order, with the time. */
export class HostTarget extends HostSystem {
  readonly accepted: TargetEvent[] = [];

  /** `shared`: listening on every address of its host, for endpoints on other hosts. */
  static async start(host: Host, shared = false): Promise<HostTarget> {
    const target = new HostTarget(host, ['target', ...listenArgs(host, shared)]);
    await target.ready();
    return target;
  }

  protected onLine(line: Line): void {
    if (line.op === 'accepted' && line.messageId !== undefined) {
      this.accepted.push({ messageId: line.messageId, at: line.at ?? Date.now() });
    }
  }

  /** Distinct message ids accepted so far. */
  delivered(): number {
    return new Set(this.accepted.map((a) => a.messageId)).size;
  }
}
