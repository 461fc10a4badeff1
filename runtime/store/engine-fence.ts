/**
 * An endpoint placed by lease (issue 16) keeps what must follow it to another node — the outbound
 * journal, the inbound put marks and de-duplication record — in the coordination engine instead
 * of its data folder, every write fenced by the lease's token: a node that lost the lease (cut
 * off, paused, slow to notice) cannot overwrite what its successor wrote, and the successor reads
 * where the last owner stopped. The node hands the fence to the endpoint process it starts.
 */
import type { ClaimOutcome, LedgerEntries } from '../../coordination/index.js';
import { StoreError } from '../errors.js';

/** The engine calls an endpoint's fenced stores make (a `Coordinator` has them). */
export interface FencedStore {
  /** The engine's URL, credentials removed: named in errors. */
  readonly url: string;
  put(key: string, value: string, token: bigint): Promise<void>;
  get(key: string): Promise<{ readonly value: string; readonly token: bigint } | undefined>;
  addMembers(key: string, members: readonly string[], token: bigint): Promise<void>;
  members(key: string): Promise<string[]>;
  trimMembers(
    key: string,
    bounds: { readonly maxEntries: number; readonly maxAgeMs: number },
    token: bigint,
  ): Promise<number>;
  claim(
    ledger: string,
    ids: readonly string[],
    fence: { readonly key: string; readonly token: bigint },
  ): Promise<Map<string, ClaimOutcome>>;
  complete(
    ledger: string,
    ids: readonly string[],
    fence: { readonly key: string; readonly token: bigint },
  ): Promise<void>;
  unclaim(
    ledger: string,
    ids: readonly string[],
    fence: { readonly key: string; readonly token: bigint },
    options: { readonly doubtful: boolean },
  ): Promise<void>;
  ledgerEntries(ledger: string): Promise<LedgerEntries>;
  trimLedger(
    ledger: string,
    bounds: { readonly maxEntries: number; readonly maxAgeMs: number },
    fence: { readonly key: string; readonly token: bigint },
  ): Promise<number>;
}

/** The lease an endpoint runs under, and the engine that holds its state. */
export interface EndpointFence {
  readonly store: FencedStore;
  /**
   * The lease's key: `endpoint/NAME` (its value and set are the endpoint's), or in `shared` mode
   * the instance's own `instance/NAME/NODE`.
   */
  readonly key: string;
  /** The lease's fencing token: every write carries it. */
  readonly token: bigint;
  /**
   * `shared` mode (inbound only): the claims ledger the endpoint's instances on every node share
   * (`endpoint/NAME`); the delivery records are claimed and completed there.
   */
  readonly ledger?: string;
}

/** Where the fenced state lives, for messages. */
export function fencedPath(fence: EndpointFence): string {
  return `${fence.store.url} (key ${fence.key})`;
}

/**
 * Reads the endpoint's state (the JSON object its fenced writes put under its key) and the token
 * it was written under; undefined when there is none.
 */
export async function readState(
  fence: EndpointFence,
): Promise<{ readonly token: bigint; readonly state: Record<string, unknown> } | undefined> {
  const stored = await fence.store.get(fence.key);
  if (stored === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored.value);
  } catch (err) {
    throw new StoreError(
      fencedPath(fence),
      `the endpoint's state in the coordination engine is not JSON: ${(err as Error).message}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  return { token: stored.token, state: parsed as Record<string, unknown> };
}

/** Reads the endpoint's state of `kind`; undefined when none (or another kind's) is there. */
export async function readFenced(
  fence: EndpointFence,
  kind: 'journal' | 'marks',
): Promise<unknown> {
  return (await readState(fence))?.state[kind];
}

/**
 * Writes the endpoint's state of `kind` (with `extra` fields beside it), fenced; rejects with
 * `StaleTokenError` once the lease is gone.
 */
export function writeFenced(
  fence: EndpointFence,
  kind: 'journal' | 'marks',
  value: unknown,
  extra: Readonly<Record<string, unknown>> = {},
): Promise<void> {
  return fence.store.put(fence.key, JSON.stringify({ ...extra, [kind]: value }), fence.token);
}
