/**
 * The callee's memory of the calls it ran for callers that may send a call again after a lost
 * link (docs/protocol.md 4.5), so that a repeat is answered without running the handler twice:
 * with the remembered answer, or, while the first run is still going, with its answer when it
 * ends, on the link the repeat came on.
 *
 * Keyed by the caller's kernel name and incarnation (a restarted caller counts its ids from 1
 * again and must not be answered with its previous life's replies) and the call id. Bounded:
 * an answer is kept `windowMs` after it was given, and at most `maxEntries` answers and
 * `maxBytes` of them are kept in all (the oldest go first). A call forgotten early by those
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
}

interface Caller {
  readonly key: string;
  readonly entries: Map<number, Entry>;
  /** The highest id forgotten before its time (or after it): an unknown id up to it is a repeat. */
  forgottenUpTo: number;
}

export class CallMemory {
  readonly #options: CallMemoryOptions;
  readonly #callers = new Map<string, Caller>();
  /** Answered entries, oldest answer first. */
  readonly #answered = new Set<Entry>();
  #bytes = 0;

  constructor(options: CallMemoryOptions) {
    this.#options = options;
  }

  /** Answers remembered now. */
  get size(): number {
    return this.#answered.size;
  }

  /** Whether calls from this peer are remembered: it resends, and we remember at all. */
  remembers(peer: PeerIdentity): boolean {
    return peer.resume !== undefined && this.#options.windowMs > 0;
  }

  /** A CALL `id` came from `link`'s peer (one `remembers` accepts). */
  start(link: Link, id: number): CallStart {
    this.#expire();
    const peer = link.peer as PeerIdentity;
    const key = `${peer.name}\n${peer.incarnation}`;
    let caller = this.#callers.get(key);
    const entry = caller?.entries.get(id);
    if (entry !== undefined) {
      entry.link = link;
      if (entry.answer !== undefined) this.#options.send(link, entry.answer);
      return 'repeat';
    }
    if (caller !== undefined && id <= caller.forgottenUpTo) return 'forgotten';
    if (caller === undefined) {
      caller = { key, entries: new Map(), forgottenUpTo: -1 };
      this.#callers.set(key, caller);
    }
    caller.entries.set(id, { caller, id, link, answer: undefined, expires: Infinity, bytes: 0 });
    return 'run';
  }

  /**
   * The call `id` from `link`'s peer was answered (or refused without running: `ran` false, it is
   * forgotten). Returns the link to send the answer on: the one its latest repeat came on.
   */
  finish(link: Link, id: number, answer: RememberedAnswer, ran = true): Link {
    const peer = link.peer as PeerIdentity;
    const caller = this.#callers.get(`${peer.name}\n${peer.incarnation}`);
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
    this.#answered.add(entry);
    this.#bytes += entry.bytes;
    while (
      this.#answered.size > this.#options.maxEntries ||
      (this.#bytes > this.#options.maxBytes && this.#answered.size > 1)
    ) {
      const oldest = this.#answered.values().next().value as Entry;
      this.#forget(oldest);
    }
    return entry.link;
  }

  #expire(): void {
    const now = this.#options.now();
    for (const entry of this.#answered) {
      if (entry.expires > now) break;
      this.#forget(entry);
    }
  }

  #forget(entry: Entry): void {
    this.#answered.delete(entry);
    this.#bytes -= entry.bytes;
    entry.caller.forgottenUpTo = Math.max(entry.caller.forgottenUpTo, entry.id);
    this.#drop(entry);
  }

  #drop(entry: Entry): void {
    const caller = entry.caller;
    caller.entries.delete(entry.id);
    if (caller.entries.size === 0) this.#callers.delete(caller.key);
  }
}
