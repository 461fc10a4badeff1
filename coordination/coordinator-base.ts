/**
 * What every backend shares: argument checks, deadlines on each call, the leases it holds and an
 * idempotent `close()`. A backend supplies the engine calls (`EngineCalls`); the engine's own
 * errors are its to translate into `CoordinationUnavailableError`.
 */
import { performance } from 'node:perf_hooks';
import { withDeadline } from '../util/index.js';
import {
  DEFAULT_LEASE_TTL_MS,
  type AcquireOptions,
  type ClaimOutcome,
  type CoordinationWaitOptions,
  type Coordinator,
  type Fence,
  type FencedValue,
  type FencingToken,
  type Lease,
  type LeaseInfo,
  type LedgerEntries,
  type SetBounds,
  type UnclaimOptions,
  MEMBERS_PER_STEP,
} from './coordinator.js';
import {
  COORDINATION_DEADLINE_ERRORS,
  CoordinationClosedError,
  CoordinationUrlError,
} from './errors.js';
import { HeldLease, type LeaseEngine } from './held-lease.js';

/** Default deadline of connecting, and of each call that gives none. */
export const DEFAULT_COORDINATION_TIMEOUT_MS = 5_000;

/** Keys are names people read in an engine's tools: a conservative alphabet, bounded. */
const KEY_PATTERN = /^[A-Za-z0-9_.:/-]{1,200}$/;

/** `CoordinatorOptions` with the URL's and the defaults applied. */
export interface ResolvedCoordinatorOptions {
  readonly namespace: string;
  readonly connectTimeoutMs: number;
  readonly operationTimeoutMs: number;
}

export interface Granted {
  readonly token: FencingToken;
  readonly engine: LeaseEngine;
}

/** The calls a backend makes on its engine; `signal` aborts on the caller's deadline. */
export interface EngineCalls {
  /** One atomic attempt: the new lease, or `undefined` while another is current. */
  tryAcquire(
    key: string,
    holder: string,
    ttlMs: number,
    signal: AbortSignal,
  ): Promise<Granted | undefined>;
  holderOf(key: string, signal: AbortSignal): Promise<LeaseInfo | undefined>;
  put(key: string, value: string, token: FencingToken, signal: AbortSignal): Promise<void>;
  get(key: string, signal: AbortSignal): Promise<FencedValue | undefined>;
  /** One atomic step: at most `MEMBERS_PER_STEP` members, checked. */
  addMembers(
    key: string,
    members: readonly string[],
    token: FencingToken,
    signal: AbortSignal,
  ): Promise<void>;
  members(key: string, signal: AbortSignal): Promise<string[]>;
  trimMembers(
    key: string,
    bounds: SetBounds,
    token: FencingToken,
    signal: AbortSignal,
  ): Promise<number>;
  /** At most `MEMBERS_PER_STEP` ids, each decided atomically on its own. */
  claim(
    ledger: string,
    ids: readonly string[],
    fence: Fence,
    signal: AbortSignal,
  ): Promise<Map<string, ClaimOutcome>>;
  /** One atomic step: at most `MEMBERS_PER_STEP` ids. */
  complete(
    ledger: string,
    ids: readonly string[],
    fence: Fence,
    signal: AbortSignal,
  ): Promise<void>;
  /** At most `MEMBERS_PER_STEP` ids. */
  unclaim(
    ledger: string,
    ids: readonly string[],
    fence: Fence,
    doubtful: boolean,
    signal: AbortSignal,
  ): Promise<void>;
  ledgerEntries(ledger: string, signal: AbortSignal): Promise<LedgerEntries>;
  trimLedger(ledger: string, bounds: SetBounds, fence: Fence, signal: AbortSignal): Promise<number>;
  /** Frees the connections; leases are released before it is called. */
  disconnect(): Promise<void>;
}

export function checkKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new TypeError(`coordination key '${key}': expected 1–200 of [A-Za-z0-9_.:/-]`);
  }
}

/** A positive whole number of milliseconds, or the option's name in a typed error. */
export function checkMs(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new CoordinationUrlError(
      'COORDINATION_BAD_URL',
      `${name} must be a positive whole number of milliseconds, got ${String(value)}`,
    );
  }
  return value;
}

/** A set member: 1–1000 characters. */
export function checkMember(member: string): void {
  if (member.length < 1 || member.length > 1000) {
    throw new TypeError(`set member: expected 1–1000 characters, got ${member.length}`);
  }
}

function checkBounds(bounds: SetBounds): void {
  for (const [name, value] of Object.entries(bounds)) {
    if (!Number.isSafeInteger(value) || (value as number) < 0) {
      throw new TypeError(`set bound ${name}: expected a whole number >= 0, got ${String(value)}`);
    }
  }
}

export class CoordinatorBase implements Coordinator {
  readonly #calls: EngineCalls;
  readonly #timeoutMs: number;
  readonly #leases = new Set<HeldLease>();
  #closing: Promise<void> | undefined;

  constructor(
    readonly scheme: string,
    readonly url: string,
    calls: EngineCalls,
    operationTimeoutMs: number,
  ) {
    this.#calls = calls;
    this.#timeoutMs = operationTimeoutMs;
  }

  async acquire(
    key: string,
    holder: string,
    options: AcquireOptions = {},
  ): Promise<Lease | undefined> {
    checkKey(key);
    if (holder === '' || holder.length > 200) {
      throw new TypeError(`lease holder: expected 1–200 characters, got ${holder.length}`);
    }
    const ttlMs = checkMs('ttlMs', options.ttlMs ?? DEFAULT_LEASE_TTL_MS);
    const sentAt = performance.now();
    const granted = await this.#call(`acquire '${key}'`, options, (signal) =>
      this.#calls.tryAcquire(key, holder, ttlMs, signal),
    );
    if (granted === undefined) return undefined;
    const lease = new HeldLease({
      key,
      holder,
      token: granted.token,
      ttlMs,
      sentAt,
      keepAlive: options.keepAlive ?? true,
      operationTimeoutMs: this.#timeoutMs,
      engine: granted.engine,
      onEnd: (ended) => this.#leases.delete(ended),
    });
    this.#leases.add(lease);
    // Closed while the grant was on its way: hand nothing out, give the lease back.
    if (this.#closing !== undefined) {
      await lease.release().catch(() => {});
      throw new CoordinationClosedError(`acquire '${key}'`);
    }
    return lease;
  }

  holderOf(key: string, options: CoordinationWaitOptions = {}): Promise<LeaseInfo | undefined> {
    checkKey(key);
    return this.#call(`holderOf '${key}'`, options, (signal) => this.#calls.holderOf(key, signal));
  }

  put(
    key: string,
    value: string,
    token: FencingToken,
    options: CoordinationWaitOptions = {},
  ): Promise<void> {
    checkKey(key);
    return this.#call(`put '${key}'`, options, (signal) =>
      this.#calls.put(key, value, token, signal),
    );
  }

  get(key: string, options: CoordinationWaitOptions = {}): Promise<FencedValue | undefined> {
    checkKey(key);
    return this.#call(`get '${key}'`, options, (signal) => this.#calls.get(key, signal));
  }

  async addMembers(
    key: string,
    members: readonly string[],
    token: FencingToken,
    options: CoordinationWaitOptions = {},
  ): Promise<void> {
    checkKey(key);
    members.forEach(checkMember);
    const unique = [...new Set(members)];
    for (let i = 0; i < unique.length; i += MEMBERS_PER_STEP) {
      const step = unique.slice(i, i + MEMBERS_PER_STEP);
      await this.#call(`addMembers '${key}'`, options, (signal) =>
        this.#calls.addMembers(key, step, token, signal),
      );
    }
  }

  members(key: string, options: CoordinationWaitOptions = {}): Promise<string[]> {
    checkKey(key);
    return this.#call(`members '${key}'`, options, (signal) => this.#calls.members(key, signal));
  }

  trimMembers(
    key: string,
    bounds: SetBounds,
    token: FencingToken,
    options: CoordinationWaitOptions = {},
  ): Promise<number> {
    checkKey(key);
    checkBounds(bounds);
    return this.#call(`trimMembers '${key}'`, options, (signal) =>
      this.#calls.trimMembers(key, bounds, token, signal),
    );
  }

  async claim(
    ledger: string,
    ids: readonly string[],
    fence: Fence,
    options: CoordinationWaitOptions = {},
  ): Promise<Map<string, ClaimOutcome>> {
    checkKey(ledger);
    checkKey(fence.key);
    ids.forEach(checkMember);
    const unique = [...new Set(ids)];
    const outcomes = new Map<string, ClaimOutcome>();
    // Each id is its own atomic decision; a step of them goes to the engine at once.
    for (let i = 0; i < unique.length; i += MEMBERS_PER_STEP) {
      const step = unique.slice(i, i + MEMBERS_PER_STEP);
      const decided = await this.#call(`claim '${ledger}'`, options, (signal) =>
        this.#calls.claim(ledger, step, fence, signal),
      );
      for (const [id, outcome] of decided) outcomes.set(id, outcome);
    }
    return outcomes;
  }

  async complete(
    ledger: string,
    ids: readonly string[],
    fence: Fence,
    options: CoordinationWaitOptions = {},
  ): Promise<void> {
    await this.#ledgerSteps('complete', ledger, ids, fence, options, (step, signal) =>
      this.#calls.complete(ledger, step, fence, signal),
    );
  }

  async unclaim(
    ledger: string,
    ids: readonly string[],
    fence: Fence,
    options: UnclaimOptions = {},
  ): Promise<void> {
    await this.#ledgerSteps('unclaim', ledger, ids, fence, options, (step, signal) =>
      this.#calls.unclaim(ledger, step, fence, options.doubtful === true, signal),
    );
  }

  ledgerEntries(ledger: string, options: CoordinationWaitOptions = {}): Promise<LedgerEntries> {
    checkKey(ledger);
    return this.#call(`ledgerEntries '${ledger}'`, options, (signal) =>
      this.#calls.ledgerEntries(ledger, signal),
    );
  }

  trimLedger(
    ledger: string,
    bounds: SetBounds,
    fence: Fence,
    options: CoordinationWaitOptions = {},
  ): Promise<number> {
    checkKey(ledger);
    checkKey(fence.key);
    checkBounds(bounds);
    return this.#call(`trimLedger '${ledger}'`, options, (signal) =>
      this.#calls.trimLedger(ledger, bounds, fence, signal),
    );
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const held = [...this.#leases];
      // Every lease is released even if one fails; an unreleased one ends at its ttl.
      await Promise.allSettled(held.map((lease) => lease.release()));
      await this.#calls.disconnect();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #ledgerSteps(
    operation: string,
    ledger: string,
    ids: readonly string[],
    fence: Fence,
    options: CoordinationWaitOptions,
    step: (ids: readonly string[], signal: AbortSignal) => Promise<void>,
  ): Promise<void> {
    checkKey(ledger);
    checkKey(fence.key);
    ids.forEach(checkMember);
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += MEMBERS_PER_STEP) {
      const part = unique.slice(i, i + MEMBERS_PER_STEP);
      await this.#call(`${operation} '${ledger}'`, options, (signal) => step(part, signal));
    }
  }

  async #call<T>(
    operation: string,
    options: CoordinationWaitOptions,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    if (this.#closing !== undefined) throw new CoordinationClosedError(operation);
    return withDeadline(
      {
        operation,
        timeoutMs: options.timeoutMs ?? this.#timeoutMs,
        signal: options.signal,
        errors: COORDINATION_DEADLINE_ERRORS,
      },
      work,
    );
  }
}
