/**
 * The fenced sets on etcd (`Coordinator.addMembers`, `members`, `trimMembers`), kept in chunks:
 * each `addMembers` step is one key, `chunk/<key>|<name>`, whose value is the step's members as
 * a JSON array, in the order added. An inbound endpoint adds a batch's ids in one step, so a
 * batch is one key in etcd, not one per id: etcd's work per write (a revision, an index entry and
 * a backend write per key) and the client's request grow with keys, and a set bounded at 100,000
 * ids is 2,000 keys instead of 100,000.
 *
 * A chunk's name is `<token>.<at>.<nonce>.<count>`: the writer's fencing token (16 hex digits),
 * its wall-clock time (12 hex digits of milliseconds), 8 random hex digits and how many members
 * the chunk holds. Names sort oldest first: a later holder has a larger token, and one holder's
 * chunks follow its clock (the lease's holder is one node; the clock only orders a holder's own
 * chunks and decides how long a member is kept, never who holds a lease). Trimming reads names
 * only: counts and ages are in them. Trimming by count drops the oldest chunks whole and
 * rewrites the one at the boundary with its newest members under the same name but for its count
 * (so it keeps its place). A member added again is in two chunks: `members()` lists it once, and
 * it stays until its latest chunk is trimmed.
 */
import type * as EtcdModule from 'etcd3';
import type { Namespace } from 'etcd3';
import { randomBytes } from 'node:crypto';
import type { FencingToken, SetBounds } from '../coordinator.js';
import { CoordinationMalformedError } from '../errors.js';
import { keysUnder, pagesUnder } from './etcd-pages.js';

/** Chunks read per range request by `members()`: a chunk holds up to 100 members of 1,000 characters. */
const CHUNK_PAGE = 100;
/** Chunks dropped per fenced transaction. */
const DROPS_PER_TXN = 100;

/** A fenced transaction of the coordinator: `ops` run only while `token` holds `key`'s lease. */
export type FencedTxn = (
  operation: string,
  key: string,
  token: FencingToken,
  ops: (txn: EtcdModule.ComparatorBuilder) => EtcdModule.ComparatorBuilder,
) => Promise<void>;

interface ChunkName {
  /** The whole name, as stored (after the set's prefix). */
  readonly name: string;
  /** The name without its count: where the chunk sorts. */
  readonly place: string;
  readonly at: number;
  readonly count: number;
}

const chunkPrefix = (key: string): string => `chunk/${key}|`;

function parseName(name: string): ChunkName | undefined {
  const match = /^([0-9a-f]{16}\.([0-9a-f]{12})\.[0-9a-f]{8})\.(\d+)$/.exec(name);
  if (match === null) return undefined;
  return {
    name,
    place: match[1] as string,
    at: Number.parseInt(match[2] as string, 16),
    count: Number(match[3]),
  };
}

export class EtcdSet {
  constructor(
    private readonly etcd: typeof EtcdModule,
    private readonly ns: Namespace,
    private readonly fenced: FencedTxn,
  ) {}

  /** Adds one step's members (unique, at most `MEMBERS_PER_STEP`) as one chunk, fenced. */
  add(key: string, members: readonly string[], token: FencingToken): Promise<void> {
    const place = [
      token.toString(16).padStart(16, '0'),
      Date.now().toString(16).padStart(12, '0'),
      randomBytes(4).toString('hex'),
    ].join('.');
    const name = `${chunkPrefix(key)}${place}.${members.length}`;
    return this.fenced(`addMembers '${key}'`, key, token, (txn) =>
      txn.then(this.ns.put(name).value(JSON.stringify(members))),
    );
  }

  /** Every member, once. */
  async members(key: string): Promise<string[]> {
    const prefix = chunkPrefix(key);
    const found = new Set<string>();
    const pages = pagesUnder(this.etcd, this.ns, prefix, CHUNK_PAGE);
    for await (const page of pages) {
      for (const kv of page) {
        const name = kv.key.toString().slice(prefix.length);
        for (const member of this.#chunkMembers(key, name, kv.value)) found.add(member);
      }
    }
    return [...found];
  }

  /**
   * Drops the oldest members beyond `bounds.maxEntries` and the chunks older than
   * `bounds.maxAgeMs`, fenced; resolves with how many members it dropped (a member in two chunks
   * counts in each).
   */
  async trim(key: string, bounds: SetBounds, token: FencingToken): Promise<number> {
    const prefix = chunkPrefix(key);
    const chunks = await this.#names(key);
    let total = chunks.reduce((n, c) => n + c.count, 0);
    const cutoff = Date.now() - bounds.maxAgeMs;
    const drop: ChunkName[] = [];
    let boundary: { chunk: ChunkName; keep: number } | undefined;
    for (const chunk of chunks) {
      if (chunk.at < cutoff || total - chunk.count >= bounds.maxEntries) {
        drop.push(chunk);
        total -= chunk.count;
      } else {
        if (total > bounds.maxEntries) {
          boundary = { chunk, keep: chunk.count - (total - bounds.maxEntries) };
        }
        // Younger chunks are not over the age bound either, unless a holder's clock went back:
        // those are dropped by a later trim, once they are old by its clock too.
        break;
      }
    }
    let removed = 0;
    for (let i = 0; i < drop.length; i += DROPS_PER_TXN) {
      const step = drop.slice(i, i + DROPS_PER_TXN);
      await this.fenced(`trimMembers '${key}'`, key, token, (txn) =>
        txn.then(...step.map((c) => this.ns.delete().key(prefix + c.name))),
      );
      removed += step.reduce((n, c) => n + c.count, 0);
    }
    if (boundary !== undefined) {
      const { chunk, keep } = boundary;
      const value = await this.ns.get(prefix + chunk.name).buffer();
      if (value !== null) {
        const kept = this.#chunkMembers(key, chunk.name, value).slice(-keep);
        await this.fenced(`trimMembers '${key}'`, key, token, (txn) =>
          txn.then(
            this.ns.delete().key(prefix + chunk.name),
            this.ns.put(`${prefix}${chunk.place}.${kept.length}`).value(JSON.stringify(kept)),
          ),
        );
        removed += chunk.count - kept.length;
      }
    }
    return removed;
  }

  /** The chunks' names, oldest first (key order). */
  async #names(key: string): Promise<ChunkName[]> {
    const prefix = chunkPrefix(key);
    const names: ChunkName[] = [];
    for await (const page of keysUnder(this.etcd, this.ns, prefix)) {
      for (const k of page) {
        const name = k.toString().slice(prefix.length);
        const parsed = parseName(name);
        if (parsed === undefined) throw this.#malformed(key, name, 'its name');
        names.push(parsed);
      }
    }
    return names;
  }

  /** A chunk's members, from its value; `name` (after the set's prefix) is for errors. */
  #chunkMembers(key: string, name: string, value: Buffer): string[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value.toString());
    } catch {
      throw this.#malformed(key, name, 'its value is not JSON');
    }
    if (!Array.isArray(parsed) || !parsed.every((m) => typeof m === 'string')) {
      throw this.#malformed(key, name, 'its value is not a list of members');
    }
    return parsed;
  }

  #malformed(key: string, name: string, what: string): CoordinationMalformedError {
    return new CoordinationMalformedError(
      key,
      `the fenced set '${key}' in etcd has a malformed chunk '${name}': ${what}`,
    );
  }
}
