/**
 * Requests made and not yet answered: a link's pings, and the kernel's calls (OutgoingCalls,
 * which also checks that an answer came on the link the call is on). Answers are matched by id,
 * once; ids are given by the caller, from the kernel's one counter. Deadlines are checked by one sweep timer per table rather than one
 * timer per call (a call times out within `SWEEP_MS` after its deadline); an abort signal, when
 * given, cancels at once.
 */
import { CallError } from './errors.js';

/** How often deadlines are checked while calls with a deadline are outstanding. */
export const SWEEP_MS = 25;
/** How many given-up call ids are remembered (so their late answers are not "unexpected"). */
const REMEMBERED_IDS = 4096;

/** What a request was: a PONG never answers a CALL, a REPLY or FAIL never answers a PING. */
export type PendingKind = 'call' | 'ping';

interface Entry {
  readonly kind: PendingKind;
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
  readonly #abandoned = new Map<number, PendingKind>();
  readonly #onGiveUp: (id: number) => void;
  #timer: NodeJS.Timeout | undefined;

  /** `onGiveUp`: told of each request given up on (deadline passed, aborted). */
  constructor(onGiveUp: (id: number) => void = noop) {
    this.#onGiveUp = onGiveUp;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Registers a call (or ping) sent as `id`; `describe` names it in errors (built only when needed). */
  add(
    id: number,
    options: { timeoutMs?: number; signal?: AbortSignal },
    describe: () => string,
    kind: PendingKind = 'call',
  ): Promise<unknown> {
    const { timeoutMs, signal } = options;
    if (signal?.aborted === true) {
      return Promise.reject(
        new CallError('ABORTED', `${describe()}: aborted`, { cause: signal.reason }),
      );
    }
    const entry: Entry = {
      kind,
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
    return promise;
  }

  has(id: number): boolean {
    return this.#entries.has(id);
  }

  /**
   * An answer of `kind` arrived: resolve (or reject with `error`) the request, if it is still
   * waiting and is of that kind; an answer of the other kind is `unexpected` and changes nothing.
   */
  settle(id: number, kind: PendingKind, value: unknown, error?: Error): SettleOutcome {
    const entry = this.#entries.get(id);
    if (entry === undefined) {
      if (this.#abandoned.get(id) !== kind) return 'unexpected';
      this.#abandoned.delete(id);
      return 'late';
    }
    if (entry.kind !== kind) return 'unexpected';
    this.#finish(id, entry, value, error);
    return 'answered';
  }

  #finish(id: number, entry: Entry, value: unknown, error: Error | undefined): void {
    this.#entries.delete(id);
    if (entry.onAbort !== undefined) entry.signal?.removeEventListener('abort', entry.onAbort);
    if (error === undefined) entry.resolve(value);
    else entry.reject(error);
  }

  /** Fails one call now (e.g. its frame could not be sent). */
  fail(id: number, error: Error): void {
    const entry = this.#entries.get(id);
    if (entry !== undefined) this.#finish(id, entry, undefined, error);
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
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#finish(id, entry, undefined, error);
    this.#remember(id, entry.kind);
    this.#onGiveUp(id);
  }

  #remember(id: number, kind: PendingKind): void {
    this.#abandoned.set(id, kind);
    if (this.#abandoned.size > REMEMBERED_IDS) {
      const oldest = this.#abandoned.keys().next().value;
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
