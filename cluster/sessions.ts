/**
 * The local kernel's sessions: named groups of state handlers with aliases, which states are
 * published (callable from other kernels) and who may reach them, and which peers subscribed.
 */
import { UsageError } from './errors.js';
import { NAME_PATTERN } from './messages.js';

/** What a handler learns about the event it handles. */
export interface StateContext {
  /** The kernel that sent the event (this kernel's name for local posts). */
  readonly sender: string;
  readonly session: string;
  readonly state: string;
  readonly kind: 'post' | 'call';
}

/** A state's handler; the value (or promise) it returns is a call's reply. */
export type StateHandler = (args: unknown, context: StateContext) => unknown;

/**
 * Who may post to or call a published state: a list of kernel names/aliases, or a predicate.
 * Absent = every authenticated peer.
 */
export type Authorization =
  | readonly string[]
  | ((
      peer: { readonly name: string; readonly aliases: readonly string[] },
      op: 'post' | 'call',
    ) => boolean);

export interface SessionOptions {
  readonly aliases?: readonly string[];
}

interface SessionEntry {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly states: Map<string, StateHandler>;
  /** Published state → who may reach it (undefined = everybody). */
  readonly published: Map<string, Authorization | undefined>;
  /** Kernels that subscribed to this session, with how many subscriptions each holds. */
  readonly subscribers: Map<string, number>;
}

/** A published session as `published()` lists it. */
export interface PublishedSession {
  readonly session: string;
  readonly aliases: readonly string[];
  readonly states: readonly string[];
}

function checkName(what: string, value: string): void {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new UsageError(
      'BAD_OPTIONS',
      `${what} '${String(value)}' is not a valid name (${String(NAME_PATTERN)})`,
    );
  }
}

export class SessionRegistry {
  readonly #sessions = new Map<string, SessionEntry>();
  readonly #aliases = new Map<string, string>();

  /** Adds a session with its states; a name or alias already in use is refused. */
  add(
    name: string,
    states: Readonly<Record<string, StateHandler>> | ReadonlyMap<string, StateHandler>,
    options: SessionOptions = {},
  ): void {
    checkName('session name', name);
    const aliases = options.aliases ?? [];
    for (const n of [name, ...aliases]) {
      checkName('session alias', n);
      if (this.#sessions.has(n) || this.#aliases.has(n)) {
        throw new UsageError('BAD_OPTIONS', `session name or alias '${n}' is already in use`);
      }
    }
    const entries: [string, StateHandler][] =
      states instanceof Map
        ? [...(states as ReadonlyMap<string, StateHandler>).entries()]
        : Object.entries(states as Readonly<Record<string, StateHandler>>);
    const map = new Map<string, StateHandler>();
    for (const [state, handler] of entries) {
      checkName('state name', state);
      if (typeof handler !== 'function') {
        throw new UsageError('BAD_OPTIONS', `state '${name}/${state}' needs a handler function`);
      }
      map.set(state, handler);
    }
    this.#sessions.set(name, {
      name,
      aliases: [...aliases],
      states: map,
      published: new Map(),
      subscribers: new Map(),
    });
    for (const a of aliases) this.#aliases.set(a, name);
  }

  /** Adds or replaces one state of an existing session. */
  setState(session: string, state: string, handler: StateHandler): void {
    checkName('state name', state);
    this.#getOrThrow(session).states.set(state, handler);
  }

  /** Removes a session; returns its subscribers (to be told) and published states. */
  remove(name: string): { subscribers: string[]; published: string[] } | undefined {
    const entry = this.get(name);
    if (entry === undefined) return undefined;
    this.#sessions.delete(entry.name);
    for (const a of entry.aliases) this.#aliases.delete(a);
    return { subscribers: [...entry.subscribers.keys()], published: [...entry.published.keys()] };
  }

  get(nameOrAlias: string): SessionEntry | undefined {
    return (
      this.#sessions.get(nameOrAlias) ?? this.#sessions.get(this.#aliases.get(nameOrAlias) ?? '')
    );
  }

  #getOrThrow(nameOrAlias: string): SessionEntry {
    const entry = this.get(nameOrAlias);
    if (entry === undefined) throw new UsageError('BAD_OPTIONS', `no session '${nameOrAlias}'`);
    return entry;
  }

  publish(session: string, states: readonly string[], allow?: Authorization): void {
    const entry = this.#getOrThrow(session);
    for (const state of states) {
      if (!entry.states.has(state)) {
        throw new UsageError(
          'BAD_OPTIONS',
          `session '${entry.name}' has no state '${state}' to publish`,
        );
      }
    }
    for (const state of states) entry.published.set(state, allow);
  }

  /** Withdraws states (all when `states` is absent); returns what was retracted and what remains. */
  retract(
    session: string,
    states?: readonly string[],
  ): { session: string; retracted: string[]; remaining: string[]; subscribers: string[] } {
    const entry = this.#getOrThrow(session);
    const targets = states ?? [...entry.published.keys()];
    const retracted = targets.filter((s) => entry.published.delete(s));
    const remaining = [...entry.published.keys()];
    const subscribers = [...entry.subscribers.keys()];
    if (remaining.length === 0) entry.subscribers.clear();
    return { session: entry.name, retracted, remaining, subscribers };
  }

  published(): PublishedSession[] {
    const out: PublishedSession[] = [];
    for (const entry of this.#sessions.values()) {
      if (entry.published.size > 0) {
        out.push({
          session: entry.name,
          aliases: entry.aliases,
          states: [...entry.published.keys()].sort(),
        });
      }
    }
    return out.sort((a, b) => (a.session < b.session ? -1 : a.session > b.session ? 1 : 0));
  }

  /** Counts one more subscription of `kernel` to a session. */
  addSubscriber(session: string, kernel: string): void {
    const entry = this.#getOrThrow(session);
    entry.subscribers.set(kernel, (entry.subscribers.get(kernel) ?? 0) + 1);
  }

  /** Counts one subscription less; true when `kernel` holds none any more. */
  removeSubscriber(session: string, kernel: string): boolean {
    const entry = this.get(session);
    const count = entry?.subscribers.get(kernel);
    if (entry === undefined || count === undefined) return false;
    if (count > 1) {
      entry.subscribers.set(kernel, count - 1);
      return false;
    }
    entry.subscribers.delete(kernel);
    return true;
  }

  /** Drops a kernel from every session's subscribers; returns the sessions it was in. */
  dropSubscriber(kernel: string): string[] {
    const sessions: string[] = [];
    for (const entry of this.#sessions.values())
      if (entry.subscribers.delete(kernel)) sessions.push(entry.name);
    return sessions;
  }
}

/** Whether `peer` may `op` a state published with `allow`. */
export function isAllowed(
  allow: Authorization | undefined,
  peer: { readonly name: string; readonly aliases: readonly string[] },
  op: 'post' | 'call',
): boolean {
  if (allow === undefined) return true;
  if (typeof allow === 'function') {
    try {
      return allow(peer, op) === true;
    } catch {
      return false;
    }
  }
  return allow.includes(peer.name) || peer.aliases.some((a) => allow.includes(a));
}
