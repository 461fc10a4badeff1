/**
 * The claims ledger on etcd (`Coordinator.claim`, `complete`, `unclaim`, `trimLedger`). Under the
 * namespace, `ledger/<ledger>|<id>` holds one id's entry as JSON: the claimant's lease key and
 * token (`k`, `t`; empty for a claim given up as doubtful), whether it is completed (`d`), and
 * the writer's wall-clock time (`at`, milliseconds; it only decides how long an entry is kept).
 *
 * Claims of ids that are all new are one transaction for them all; otherwise each id's claim is
 * one transaction in the common case: *if the entry does not exist and the fence is
 * the current lease of its key, then write ours*. Otherwise the entry is read in the same
 * transaction; a claim whose lease is still current (its key's create revision equals the
 * claim's token) is `held`; an ended one is taken over by a second transaction, *if the entry's
 * modification revision is still the one read and the fence is current* — so two fences never
 * both take one entry. Completing and giving up are transactions fenced the same way.
 */
import type * as EtcdModule from 'etcd3';
import type { ITxnResponse, Namespace } from 'etcd3';
import type { ClaimOutcome, Fence, LedgerEntries, SetBounds } from '../coordinator.js';
import { CoordinationMalformedError, StaleTokenError } from '../errors.js';
import { pagesUnder } from './etcd-pages.js';

interface Entry {
  /** The claimant's lease key ('' once given up as doubtful). */
  readonly k: string;
  /** Its token, as a decimal string. */
  readonly t: string;
  /** Completed. */
  readonly d: boolean;
  readonly at: number;
}

const entryKey = (ledger: string, id: string): string => `ledger/${ledger}|${id}`;
const entryPrefix = (ledger: string): string => `ledger/${ledger}|`;
const leaseKey = (key: string): string => `lease/${key}`;
/** Attempts at one id's claim while other claimants change its entry meanwhile. */
const CLAIM_ATTEMPTS = 5;

function parseEntry(value: Buffer): Entry | undefined {
  try {
    const parsed = JSON.parse(value.toString()) as Partial<Entry>;
    if (typeof parsed.k !== 'string' || typeof parsed.t !== 'string') return undefined;
    return { k: parsed.k, t: parsed.t, d: parsed.d === true, at: Number(parsed.at) };
  } catch {
    return undefined;
  }
}

export class EtcdLedger {
  constructor(
    private readonly etcd: typeof EtcdModule,
    private readonly ns: Namespace,
  ) {}

  /**
   * Claims `ids` (at most `MEMBERS_PER_STEP`): first all at once, one transaction *if none of them
   * exists and the fence is current* — the common case, ids arriving for the first time — and
   * otherwise each on its own.
   */
  async claimAll(ledger: string, ids: readonly string[], fence: Fence): Promise<ClaimOutcome[]> {
    const token = fence.token.toString();
    if (ids.length > 1) {
      let txn = this.ns.if(leaseKey(fence.key), 'Create', '==', token);
      for (const id of ids) txn = txn.and(entryKey(ledger, id), 'Create', '==', 0);
      const ours = this.#entry(fence, false);
      const all = await txn
        .then(...ids.map((id) => this.ns.put(entryKey(ledger, id)).value(ours)))
        .commit();
      if (all.succeeded) return ids.map(() => 'claimed');
    }
    return Promise.all(ids.map((id) => this.claim(ledger, id, fence)));
  }

  async claim(ledger: string, id: string, fence: Fence): Promise<ClaimOutcome> {
    const key = entryKey(ledger, id);
    const token = fence.token.toString();
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const ours = this.#entry(fence, false);
      const first = await this.ns
        .if(key, 'Create', '==', 0)
        .and(leaseKey(fence.key), 'Create', '==', token)
        .then(this.ns.put(key).value(ours))
        .else(this.ns.get(key), this.ns.get(leaseKey(fence.key)))
        .commit();
      if (first.succeeded) return 'claimed';
      const found = first.responses[0]?.response_range.kvs[0];
      const lease = first.responses[1]?.response_range.kvs[0];
      if (lease === undefined || lease.create_revision !== token) {
        throw new StaleTokenError(fence.key, fence.token, lease && BigInt(lease.create_revision));
      }
      if (found === undefined) continue; // dropped meanwhile: claim it afresh
      const entry = parseEntry(found.value);
      if (entry?.d === true) return 'completed';
      if (entry !== undefined && entry.k === fence.key && entry.t === token) return 'claimed';
      if (entry !== undefined && entry.k !== '' && (await this.#current(entry.k, entry.t))) {
        return 'held';
      }
      const taken = await this.ns
        .if(key, 'Mod', '==', found.mod_revision)
        .and(leaseKey(fence.key), 'Create', '==', token)
        .then(this.ns.put(key).value(ours))
        .commit();
      if (taken.succeeded) return 'taken-over';
    }
    // Changed under us at every attempt: someone else's claim is being decided; ask again later.
    return 'held';
  }

  async complete(ledger: string, ids: readonly string[], fence: Fence): Promise<void> {
    const done = this.#entry(fence, true);
    await this.#fenced(fence, (txn) =>
      txn.then(...ids.map((id) => this.ns.put(entryKey(ledger, id)).value(done))),
    );
  }

  async unclaim(
    ledger: string,
    ids: readonly string[],
    fence: Fence,
    doubtful: boolean,
  ): Promise<void> {
    const token = fence.token.toString();
    const given = JSON.stringify({ k: '', t: '0', d: false, at: Date.now() });
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const read = await this.ns
        .if(leaseKey(fence.key), 'Create', '==', token)
        .then(...ids.map((id) => this.ns.get(entryKey(ledger, id))))
        .else(this.ns.get(leaseKey(fence.key)))
        .commit();
      if (!read.succeeded) throw this.#stale(fence, read);
      // A transaction's answers carry the namespace's prefix in their keys: name them by id.
      const mine = read.responses.flatMap((r, i) => {
        const kv = r.response_range.kvs[0];
        const entry = kv && parseEntry(kv.value);
        const ours = entry && !entry.d && entry.k === fence.key && entry.t === token;
        return kv && ours
          ? [{ key: entryKey(ledger, ids[i] as string), mod: kv.mod_revision }]
          : [];
      });
      if (mine.length === 0) return;
      let txn = this.ns.if(leaseKey(fence.key), 'Create', '==', token);
      for (const entry of mine) txn = txn.and(entry.key, 'Mod', '==', entry.mod);
      const ops = mine.map((entry) =>
        doubtful ? this.ns.put(entry.key).value(given) : this.ns.delete().key(entry.key),
      );
      const written = await txn
        .then(...ops)
        .else(this.ns.get(leaseKey(fence.key)))
        .commit();
      if (written.succeeded) return;
      const lease = written.responses[0]?.response_range.kvs[0];
      if (lease?.create_revision !== token) throw this.#stale(fence, written);
      // An entry changed meanwhile (completed, say): read again.
    }
  }

  /** The ledger's completed ids, and the others (claimed or given up as doubtful). */
  async entries(ledger: string): Promise<LedgerEntries> {
    const prefix = entryPrefix(ledger);
    const completed: string[] = [];
    const open: string[] = [];
    for await (const page of pagesUnder(this.etcd, this.ns, prefix)) {
      for (const kv of page) {
        const id = kv.key.toString().slice(prefix.length);
        const entry = parseEntry(kv.value);
        if (entry === undefined) {
          throw new CoordinationMalformedError(
            ledger,
            `the claims ledger '${ledger}' in etcd has a malformed entry for '${id}'`,
          );
        }
        (entry.d ? completed : open).push(id);
      }
    }
    return { completed, open };
  }

  async trimLedger(ledger: string, bounds: SetBounds, fence: Fence): Promise<number> {
    const prefix = entryPrefix(ledger);
    const cutoff = Date.now() - bounds.maxAgeMs;
    let removed = 0;
    const completed: { key: string; mod: bigint }[] = [];
    const aged: string[] = [];
    for await (const page of pagesUnder(this.etcd, this.ns, prefix)) {
      for (const kv of page) {
        const entry = parseEntry(kv.value);
        const key = kv.key.toString();
        if (entry === undefined || entry.at < cutoff) aged.push(key);
        else if (entry.d) completed.push({ key, mod: BigInt(kv.mod_revision) });
      }
    }
    completed.sort((a, b) => (a.mod < b.mod ? -1 : a.mod > b.mod ? 1 : 0));
    const over = completed.slice(0, Math.max(0, completed.length - bounds.maxEntries));
    const doomed = [...aged, ...over.map((c) => c.key)];
    for (let i = 0; i < doomed.length; i += 100) {
      const step = doomed.slice(i, i + 100);
      await this.#fenced(fence, (txn) => txn.then(...step.map((k) => this.ns.delete().key(k))));
      removed += step.length;
    }
    return removed;
  }

  #entry(fence: Fence, done: boolean): string {
    return JSON.stringify({ k: fence.key, t: fence.token.toString(), d: done, at: Date.now() });
  }

  /** True while the lease on `key` is the one with `token`. */
  async #current(key: string, token: string): Promise<boolean> {
    const kv = (await this.ns.get(leaseKey(key)).exec()).kvs[0];
    return kv !== undefined && kv.create_revision === token;
  }

  async #fenced(
    fence: Fence,
    ops: (txn: EtcdModule.ComparatorBuilder) => EtcdModule.ComparatorBuilder,
  ): Promise<void> {
    const result = await ops(
      this.ns.if(leaseKey(fence.key), 'Create', '==', fence.token.toString()),
    )
      .else(this.ns.get(leaseKey(fence.key)))
      .commit();
    if (!result.succeeded) throw this.#stale(fence, result);
  }

  /** The refusal of a fenced transaction whose `else` read the fence's lease key. */
  #stale(fence: Fence, result: ITxnResponse): StaleTokenError {
    const kv = result.responses[0]?.response_range.kvs[0];
    return new StaleTokenError(fence.key, fence.token, kv && BigInt(kv.create_revision));
  }
}
