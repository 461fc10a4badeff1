/**
 * The calls a link has made and not yet had answered. Answers are matched by id on the link the
 * call went out on, once. Deadlines are checked by one sweep timer per table rather than one
 * timer per call (a call times out within `SWEEP_MS` after its deadline); an abort signal, when
 * given, cancels at once.
 */
import { CallError } from './errors.js';

/** How often deadlines are checked while calls with a deadline are outstanding. */
export const SWEEP_MS = 25;
/** How many given-up call ids are remembered (so their late answers are not "unexpected"). */
const REMEMBERED_IDS = 4096;

interface Entry {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly describe: () => string;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export type SettleOutcome = 'answered' | 'late' | 'unexpected';

export class PendingCalls {
  readonly #entries = new Map<number, Entry>();
  readonly #abandoned = new Set<number>();
  #timer: NodeJS.Timeout | undefined;
  #nextId = 1;

  get size(): number {
    return this.#entries.size;
  }

  /** The id the next `add` will use. */
  peekId(): number {
    return this.#nextId;
  }

  /** Registers a call; `describe` names it in errors (built only when needed). */
  add(
    options: { timeoutMs?: number; signal?: AbortSignal },
    describe: () => string,
  ): { id: number; promise: Promise<unknown> } {
    const id = this.#nextId++;
    const { timeoutMs, signal } = options;
    if (signal?.aborted === true) {
      return {
        id,
        promise: Promise.reject(
          new CallError('ABORTED', `${describe()}: aborted`, { cause: signal.reason }),
        ),
      };
    }
    const entry: Entry = {
      resolve: noop,
      reject: noop,
      deadline: timeoutMs === undefined ? Infinity : Date.now() + timeoutMs,
      timeoutMs: timeoutMs ?? Infinity,
      describe,
      signal,
      onAbort: undefined,
    };
    const promise = new Promise<unknown>((resolve, reject) => {
      entry.resolve = resolve;
      entry.reject = reject;
    });
    this.#entries.set(id, entry);
    if (signal !== undefined) {
      entry.onAbort = () =>
        this.#giveUp(
          id,
          new CallError('ABORTED', `${describe()}: aborted`, { cause: signal.reason }),
        );
      signal.addEventListener('abort', entry.onAbort, { once: true });
    }
    if (timeoutMs !== undefined && this.#timer === undefined) this.#arm();
    return { id, promise };
  }

  /** An answer arrived: resolve (or reject with `error`) the call, if it is still waiting. */
  settle(id: number, value: unknown, error?: Error): SettleOutcome {
    const entry = this.#entries.get(id);
    if (entry === undefined) return this.#abandoned.delete(id) ? 'late' : 'unexpected';
    this.#entries.delete(id);
    if (entry.onAbort !== undefined) entry.signal?.removeEventListener('abort', entry.onAbort);
    if (error === undefined) entry.resolve(value);
    else entry.reject(error);
    return 'answered';
  }

  /** Fails one call now (e.g. its frame could not be sent). */
  fail(id: number, error: Error): void {
    this.settle(id, undefined, error);
  }

  /** Fails every call (the link closed). */
  rejectAll(error: Error): void {
    for (const [id, entry] of this.#entries) {
      if (entry.onAbort !== undefined) entry.signal?.removeEventListener('abort', entry.onAbort);
      entry.reject(error);
      this.#entries.delete(id);
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #giveUp(id: number, error: Error): void {
    if (this.settle(id, undefined, error) === 'answered') this.#remember(id);
  }

  #remember(id: number): void {
    this.#abandoned.add(id);
    if (this.#abandoned.size > REMEMBERED_IDS) {
      const oldest = this.#abandoned.values().next().value;
      if (oldest !== undefined) this.#abandoned.delete(oldest);
    }
  }

  #arm(): void {
    this.#timer = setTimeout(() => this.#sweep(), SWEEP_MS);
    // The link's socket keeps the process alive while calls wait; the sweep need not.
    this.#timer.unref();
  }

  #sweep(): void {
    this.#timer = undefined;
    const now = Date.now();
    let waiting = false;
    for (const [id, entry] of this.#entries) {
      if (entry.deadline <= now) {
        this.#giveUp(
          id,
          new CallError('TIMEOUT', `${entry.describe()}: no answer within ${entry.timeoutMs} ms`),
        );
      } else if (entry.deadline !== Infinity) waiting = true;
    }
    if (waiting) this.#arm();
  }
}

function noop(): void {}
