/**
 * The `Coordinator` contract: leases with fencing tokens, and fenced writes, on an existing
 * coordination engine. This file holds no implementation; `etcd/` and `postgres/` implement it,
 * `open-coordinator.ts` picks one by URL. It is the foundation of issue 16 (endpoints that survive
 * their node): a lease decides which node runs an endpoint, its token fences every write that
 * matters.
 *
 * The promises every backend keeps (the conformance suite in test/coordination checks each):
 * - **Mutual exclusion.** At most one `Lease` for a key is current in the engine at any moment.
 * - **Fencing tokens strictly increase** per key: every lease granted for a key has a larger
 *   token than every lease granted for it before, whoever held them. They are never reused, not
 *   even after the engine lost its record of the key.
 * - **Expiry is the engine's.** A lease not renewed within its ttl is ended by the engine's own
 *   clock; no two clocks are compared. The holder learns it no later than the engine could end
 *   it: its local deadline is measured on its monotonic clock from the moment it *sent* the
 *   request that granted or last renewed the lease, so it passes before the engine's (which
 *   started at or after that moment), as long as the two clocks run at the same rate.
 * - **Fenced writes.** `put(key, value, token)` is applied only while the lease that `token`
 *   names is the key's current lease in the engine, checked atomically with the write; any
 *   other token (an older holder's, an expired or released lease's) is refused with a
 *   `StaleTokenError`. A holder that lost its lease cannot overwrite its successor's state, even
 *   if it has not noticed the loss yet.
 */

/**
 * A fencing token: larger means later. A bigint because the engines count in 64 bits (etcd's
 * revision, a PostgreSQL `bigint` sequence); write it as a decimal string where JSON carries it.
 */
export type FencingToken = bigint;

/** Lease time when none is given: long enough to ride out a short engine hiccup. */
export const DEFAULT_LEASE_TTL_MS = 10_000;

/** Options common to every call that waits on the engine. */
export interface CoordinationWaitOptions {
  /** Deadline for the whole call, in milliseconds. @defaultValue the coordinator's `operationTimeoutMs` */
  readonly timeoutMs?: number;
  /** Aborts the wait; the call then rejects with a `CoordinationAbortedError`. */
  readonly signal?: AbortSignal;
}

export interface AcquireOptions extends CoordinationWaitOptions {
  /**
   * How long the lease lasts without renewal. etcd counts in whole seconds and has a floor of its
   * own (about 2 s with its default timing): it may keep the lease a little longer than asked,
   * never shorter. @defaultValue DEFAULT_LEASE_TTL_MS
   */
  readonly ttlMs?: number;
  /**
   * Renew in the background every third of the ttl until released or lost; a failed renewal is
   * tried again at the next tick. `false`: the caller calls `renew()` itself. @defaultValue true
   */
  readonly keepAlive?: boolean;
}

/** Options of `campaign()`: wait until acquired, or until its deadline. */
export interface CampaignOptions extends AcquireOptions {
  /**
   * How long to wait for the lease. Unlike other calls, this has no default: a campaign waits
   * as long as its caller lets it (`signal`), or `timeoutMs` when given.
   */
  readonly timeoutMs?: number;
  /** First pause between attempts; grows to `retryMaxMs`, with jitter. @defaultValue 100 */
  readonly retryInitialMs?: number;
  /** Longest pause between attempts. @defaultValue a quarter of the ttl, at most 1000 */
  readonly retryMaxMs?: number;
}

/** Why a lease ended, as its `signal`'s reason (a `LeaseLostError`) says. */
export type LeaseEndReason =
  /** `release()` was called (or `close()` released it). */
  | 'released'
  /** The engine said the lease is gone: expired, revoked, or its record deleted. */
  | 'lost'
  /** The local deadline passed without a successful renewal (the engine unreachable, say). */
  | 'expired';

/** Who holds a key right now, as the engine sees it. */
export interface LeaseInfo {
  readonly key: string;
  readonly holder: string;
  readonly token: FencingToken;
}

/** A lease this process holds. Ends once; a new one is acquired for the key afterwards. */
export interface Lease extends AsyncDisposable {
  readonly key: string;
  readonly holder: string;
  readonly token: FencingToken;
  readonly ttlMs: number;
  /**
   * Aborts when the lease ends, with a `LeaseLostError` naming why. Act on it at once: stop the
   * work the lease guards. After `'expired'` the engine may still hold the lease for a moment,
   * never the other way round.
   */
  readonly signal: AbortSignal;
  /** True until `signal` aborts. */
  readonly held: boolean;
  /**
   * Extends the lease by its ttl from now. Rejects with a `LeaseLostError` when the engine no
   * longer has it (and the signal aborts), with a timeout or unavailable error when the engine did
   * not answer (the lease still runs until its local deadline).
   */
  renew(options?: CoordinationWaitOptions): Promise<void>;
  /**
   * Ends the lease in the engine, so another contender can acquire it at once. Idempotent; the
   * signal aborts (`'released'`) before the engine is asked, so the caller's guarded work stops
   * first. Rejects only with a timeout or unavailable error: the engine then ends it at expiry.
   */
  release(options?: CoordinationWaitOptions): Promise<void>;
}

/** A value written by a fenced `put()`, with the token that wrote it. */
export interface FencedValue {
  readonly value: string;
  readonly token: FencingToken;
}

/**
 * Bounds of a fenced set, applied by `trimMembers()`: the oldest members beyond `maxEntries`, and
 * every member older than `maxAgeMs`, are dropped.
 */
export interface SetBounds {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
}

/** A claims ledger's entries (`Coordinator.ledgerEntries`), in no particular order. */
export interface LedgerEntries {
  readonly completed: readonly string[];
  /** Claimed, or given up as doubtful, and not completed: their work may have begun. */
  readonly open: readonly string[];
}

/** `addMembers()` applies this many members per atomic step at most. */
export const MEMBERS_PER_STEP = 100;

/**
 * The lease that fences a ledger write, by its key and token: a ledger is shared by several
 * leases (one per node running an inbound endpoint in `shared` mode), each writing under its own.
 */
export interface Fence {
  readonly key: string;
  readonly token: FencingToken;
}

/**
 * Where an id stood in a claims ledger when `claim()` looked:
 * - `claimed`: nobody had it (or this fence already did): it is this fence's now;
 * - `taken-over`: a claim whose lease has ended (or that was given up as doubtful) had it, not
 *   completed: it is this fence's now, and the earlier claimant may have done the work — look
 *   before doing it again;
 * - `completed`: done before, by whichever lease: nothing to do;
 * - `held`: another lease, still current, holds it: ask again later.
 */
export type ClaimOutcome = 'claimed' | 'taken-over' | 'completed' | 'held';

/** Options of `unclaim()`. */
export interface UnclaimOptions extends CoordinationWaitOptions {
  /**
   * The work may have been done (its outcome is unknown): keep the entry as an ended claim, so
   * that the next claimant gets `taken-over` and looks first. Otherwise the entry is dropped.
   * @defaultValue false
   */
  readonly doubtful?: boolean;
}

/** Options of every coordinator; each backend documents its extras. */
export interface CoordinatorOptions {
  /**
   * Where this coordinator's records live, so that several installations share an engine: the key
   * prefix in etcd, the schema in PostgreSQL. The URL's `?namespace=` gives it too; this wins.
   * @defaultValue DEFAULT_COORDINATION_NAMESPACE
   */
  readonly namespace?: string;
  /** Deadline for connecting (and, in PostgreSQL, creating the tables). @defaultValue 5000 */
  readonly connectTimeoutMs?: number;
  /** Deadline of each call that gives none. @defaultValue 5000 */
  readonly operationTimeoutMs?: number;
}

/** Namespace when none is given: the key prefix `aes/`, the schema `aes`. */
export const DEFAULT_COORDINATION_NAMESPACE = 'aes';

export interface Coordinator extends AsyncDisposable {
  /** The engine's scheme: `etcd` or `postgres`. */
  readonly scheme: string;
  /** The engine's URL, credentials removed. */
  readonly url: string;
  /**
   * Tries once to take the lease on `key` for `holder` (a name for people and `holderOf()`: a
   * node and endpoint, say). Resolves with the lease, or `undefined` while another lease on the
   * key is current — including one of the same holder: a holder name does not make a lease
   * re-entrant. Rejects with a timeout, aborted, unavailable or closed error when the engine did
   * not decide; a lease the engine granted after such an error ends at its ttl.
   */
  acquire(key: string, holder: string, options?: AcquireOptions): Promise<Lease | undefined>;
  /** The key's current lease in the engine, or `undefined` when none is. */
  holderOf(key: string, options?: CoordinationWaitOptions): Promise<LeaseInfo | undefined>;
  /**
   * Writes `value` under `key` (a space of its own, beside the key's lease) if and only if
   * `token` is the key's current lease, atomically. Rejects with a `StaleTokenError` otherwise;
   * then nothing was written.
   */
  put(
    key: string,
    value: string,
    token: FencingToken,
    options?: CoordinationWaitOptions,
  ): Promise<void>;
  /** The last value a fenced `put()` wrote under `key`, or `undefined`. Reads need no lease. */
  get(key: string, options?: CoordinationWaitOptions): Promise<FencedValue | undefined>;
  /**
   * Adds `members` (each 1–1000 characters) to the set under `key` (a space of its own, beside
   * the key's lease and value) if and only if `token` is the key's current lease: the fenced
   * de-duplication record of whoever holds the key, which outlives the holder. Atomic per step of
   * `MEMBERS_PER_STEP` members: a `StaleTokenError` rejects the call and its step adds nothing,
   * while earlier steps of the same call stay added. A member already there stays; whether adding
   * it again restarts its age is the engine's (PostgreSQL keeps the first, etcd the latest: there
   * a member added twice also counts twice toward `maxEntries` until its older add is trimmed).
   */
  addMembers(
    key: string,
    members: readonly string[],
    token: FencingToken,
    options?: CoordinationWaitOptions,
  ): Promise<void>;
  /** Every member of the set under `key`, in no particular order. Reads need no lease. */
  members(key: string, options?: CoordinationWaitOptions): Promise<string[]>;
  /**
   * Drops the set's oldest members beyond `bounds.maxEntries` and those older than
   * `bounds.maxAgeMs` (fenced like `addMembers`); resolves with how many it dropped.
   */
  trimMembers(
    key: string,
    bounds: SetBounds,
    token: FencingToken,
    options?: CoordinationWaitOptions,
  ): Promise<number>;
  /**
   * Claims `ids` (each 1–1000 characters) in the claims ledger `ledger` (a space of its own) for
   * `fence`, which must be its key's current lease: the de-duplication record of an inbound
   * endpoint whose instances on several nodes consume one queue. Each id is claimed atomically
   * on its own (two fences never both get `claimed` or `taken-over` for one id while the first
   * one's lease is current); the answer says, per id, what `claim` found. A stale fence is
   * refused with a `StaleTokenError` (ids already decided by then stay decided).
   */
  claim(
    ledger: string,
    ids: readonly string[],
    fence: Fence,
    options?: CoordinationWaitOptions,
  ): Promise<Map<string, ClaimOutcome>>;
  /**
   * Marks `ids` completed (the work is done: every later `claim` answers `completed`), whoever
   * claimed them, if `fence` is its key's current lease; atomic per step of `MEMBERS_PER_STEP`
   * ids, refused with a `StaleTokenError` otherwise.
   */
  complete(
    ledger: string,
    ids: readonly string[],
    fence: Fence,
    options?: CoordinationWaitOptions,
  ): Promise<void>;
  /**
   * Gives up `fence`'s open claims on `ids` (others' claims and completed ids are left alone):
   * dropped, or kept as ended claims when `doubtful`. Fenced like `complete`.
   */
  unclaim(
    ledger: string,
    ids: readonly string[],
    fence: Fence,
    options?: UnclaimOptions,
  ): Promise<void>;
  /**
   * What the claims ledger `ledger` holds: its completed ids, and the ids claimed (or given up as
   * doubtful) and not completed. Reads need no lease: an endpoint that leaves `shared` mode reads
   * its ledger to carry what its instances did.
   */
  ledgerEntries(ledger: string, options?: CoordinationWaitOptions): Promise<LedgerEntries>;
  /**
   * Drops the ledger's oldest completed ids beyond `bounds.maxEntries`, and every entry older
   * than `bounds.maxAgeMs` (fenced by `fence`); resolves with how many it dropped.
   */
  trimLedger(
    ledger: string,
    bounds: SetBounds,
    fence: Fence,
    options?: CoordinationWaitOptions,
  ): Promise<number>;
  /**
   * Releases every lease this coordinator holds (best effort, under `operationTimeoutMs`) and
   * disconnects; later calls reject with a `CoordinationClosedError`. Idempotent: returns the
   * same promise each time.
   */
  close(): Promise<void>;
}
