/**
 * The callee's memory of the calls it ran for callers that may send a call again after a lost
 * link (docs/protocol.md 4.5), so that a repeat is answered without running the handler twice:
 * with the remembered answer, or, while the first run is still going, with its answer when it
 * ends, on the link the repeat came on.
 *
 * Keyed by the caller's kernel name and incarnation (a restarted caller counts its ids from 1
 * again and must not be answered with its previous life's replies) and the call id. Bounded:
 * an answer is kept `windowMs` after it was given; at most `perCaller` answers of one caller
 * (its newest: a link that died carries no new calls, so the answers it may have lost stay the
 * newest of that caller), and at most `maxEntries` answers and `maxBytes` of them in all, are
 * kept (the oldest go first). The per-caller bound also keeps the memory short-lived under a
 * heavy call rate: answers then die young, where the garbage collector is cheap. A call forgotten early by those
 * bounds must not run again when it is repeated, so each caller keeps the highest id forgotten:
 * an unknown id at or below it is refused (`CALL_FORGOTTEN`) rather than run. Since a caller's
 * ids grow and a link keeps order, an unknown id that low can only be a repeat.
 */
import type { Link } from './link.js';
import type { PeerIdentity } from './link-types.js';
import type { EncodedFrame } from './message-encoding.js';

/** How long an answer is remembered after it was given. */
export const DEFAULT_CALL_MEMORY_MS = 60_000;
/** Answers remembered at most, all callers together. */
export const DEFAULT_MAX_REMEMBERED_CALLS = 10_000;
/**
 * Answers of one caller remembered at most: more than the calls a link holds unanswered in
 * practice (replies written to a dying connection), few enough to be cheap at 100 000 calls/s.
 */
export const REMEMBERED_CALLS_PER_CALLER = 1_024;
/** Bytes of remembered answers at most (bodies as UTF-16 code units, about bytes for ASCII). */
export const MAX_REMEMBERED_BYTES = 64 * 1024 * 1024;

/** An answer as it is sent: a REPLY frame (bulk) or a FAIL body (ahead of bulk). */
export type RememberedAnswer =
  | { readonly kind: 'reply'; readonly frame: EncodedFrame }
  | { readonly kind: 'fail'; readonly body: string };

/** What to do with a CALL: run it, nothing (a repeat, answered), or refuse it (forgotten). */
export type CallStart = 'run' | 'repeat' | 'forgotten';

export interface CallMemoryOptions {
  readonly windowMs: number;
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** @defaultValue REMEMBERED_CALLS_PER_CALLER */
  readonly perCaller?: number;
  now(): number;
  /** Sends a remembered answer on `link` (ready or not: the sender checks). */
  send(link: Link, answer: RememberedAnswer): void;
}

interface Entry {
  readonly caller: Caller;
  readonly id: number;
  /** Where the answer goes: the link the call (or its latest repeat) came on. */
  link: Link;
  answer: RememberedAnswer | undefined;
  expires: number;
  bytes: number;
  /** Forgotten already (queues drop such entries when they reach them). */
  gone: boolean;
}

interface Caller {
  readonly key: string;
  readonly entries: Map<number, Entry>;
  /** Its answered entries, oldest first, from `head` on (forgotten ones included). */
  readonly answered: Queue;
  /** Its answered entries not forgotten. */
  live: number;
  /** The highest id forgotten before its time (or after it): an unknown id up to it is a repeat. */
  forgottenUpTo: number;
  /** Dropped from the memory (its last entry went): a link's cached caller is then stale. */
  dropped: boolean;
}

/**
 * Entries in the order they were answered. Entries leave from the front only (a Set would do,
 * but iterating one from its start after many deletions skips their holes one by one).
 */
class Queue {
  #items: Entry[] = [];
  #head = 0;

  push(entry: Entry): void {
    this.#items.push(entry);
  }

  /** The oldest entry not forgotten, dropping forgotten ones on the way. */
  peek(): Entry | undefined {
    while (this.#head < this.#items.length) {
      const entry = this.#items[this.#head] as Entry;
      if (!entry.gone) return entry;
      this.#shift();
    }
    return undefined;
  }

  #shift(): void {
    this.#head += 1;
    // Compact now and then: the front is dead weight.
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    } else if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    }
  }
}

export class CallMemory {
  readonly #options: CallMemoryOptions;
  readonly #perCaller: number;
  readonly #callers = new Map<string, Caller>();
  /** Each link's caller, so that a call does not build and hash the caller's key. */
  readonly #byLink = new WeakMap<Link, Caller>();
  /** Every caller's answered entries, oldest answer first. */
  readonly #answered = new Queue();
  #live = 0;
  #bytes = 0;

  constructor(options: CallMemoryOptions) {
    this.#options = options;
    this.#perCaller = options.perCaller ?? REMEMBERED_CALLS_PER_CALLER;
  }

  /** Answers remembered now. */
  get size(): number {
    return this.#live;
  }

  /** Whether calls from this peer are remembered: it resends, and we remember at all. */
  remembers(peer: PeerIdentity): boolean {
    return peer.resume !== undefined && this.#options.windowMs > 0;
  }

  /** A CALL `id` came from `link`'s peer (one `remembers` accepts). */
  start(link: Link, id: number): CallStart {
    this.#expire();
    let caller = this.#callerOf(link);
    const entry = caller?.entries.get(id);
    if (entry !== undefined) {
      entry.link = link;
      if (entry.answer !== undefined) this.#options.send(link, entry.answer);
      return 'repeat';
    }
    if (caller !== undefined && id <= caller.forgottenUpTo) return 'forgotten';
    if (caller === undefined) {
      const peer = link.peer as PeerIdentity;
      const key = `${peer.name}\n${peer.incarnation}`;
      caller = {
        key,
        entries: new Map(),
        answered: new Queue(),
        live: 0,
        forgottenUpTo: -1,
        dropped: false,
      };
      this.#callers.set(key, caller);
      this.#byLink.set(link, caller);
    }
    caller.entries.set(id, {
      caller,
      id,
      link,
      answer: undefined,
      expires: Infinity,
      bytes: 0,
      gone: false,
    });
    return 'run';
  }

  /**
   * The call `id` from `link`'s peer was answered (or refused without running: `ran` false, it is
   * forgotten). Returns the link to send the answer on: the one its latest repeat came on.
   */
  finish(link: Link, id: number, answer: RememberedAnswer, ran = true): Link {
    const caller = this.#callerOf(link);
    const entry = caller?.entries.get(id);
    if (caller === undefined || entry === undefined || entry.answer !== undefined) return link;
    if (!ran) {
      this.#drop(entry);
      return entry.link;
    }
    entry.answer = answer;
    entry.expires = this.#options.now() + this.#options.windowMs;
    entry.bytes =
      answer.kind === 'fail'
        ? answer.body.length
        : answer.frame.head.length + (answer.frame.tail?.length ?? 0);
    this.#answered.push(entry);
    caller.answered.push(entry);
    caller.live += 1;
    this.#live += 1;
    this.#bytes += entry.bytes;
    if (caller.live > this.#perCaller) this.#forget(caller.answered.peek() as Entry);
    while (
      this.#live > this.#options.maxEntries ||
      (this.#bytes > this.#options.maxBytes && this.#live > 1)
    ) {
      this.#forget(this.#answered.peek() as Entry);
    }
    return entry.link;
  }

  /** The caller behind `link`'s peer (name and incarnation), if remembered. */
  #callerOf(link: Link): Caller | undefined {
    const cached = this.#byLink.get(link);
    if (cached !== undefined && !cached.dropped) return cached;
    const peer = link.peer as PeerIdentity;
    const caller = this.#callers.get(`${peer.name}\n${peer.incarnation}`);
    if (caller !== undefined) this.#byLink.set(link, caller);
    return caller;
  }

  #expire(): void {
    if (this.#live === 0) return;
    const now = this.#options.now();
    for (;;) {
      const oldest = this.#answered.peek();
      if (oldest === undefined || oldest.expires > now) return;
      this.#forget(oldest);
    }
  }

  #forget(entry: Entry): void {
    entry.gone = true;
    entry.answer = undefined;
    this.#live -= 1;
    this.#bytes -= entry.bytes;
    const caller = entry.caller;
    caller.live -= 1;
    caller.forgottenUpTo = Math.max(caller.forgottenUpTo, entry.id);
    this.#drop(entry);
  }

  #drop(entry: Entry): void {
    const caller = entry.caller;
    caller.entries.delete(entry.id);
    if (caller.entries.size === 0) {
      this.#callers.delete(caller.key);
      caller.dropped = true;
    }
  }
}
