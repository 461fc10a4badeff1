/**
 * The `Coordinator` on etcd v3, through the `etcd3` client (gRPC by @grpc/grpc-js), loaded only
 * when an `etcd://` URL is opened.
 *
 * Under the namespace's prefix (`aes/` by default):
 * - `lease/<key>` holds the holder's name and is attached to an etcd lease of the ttl (whole
 *   seconds, rounded up). Acquiring is one transaction: *if the key's create revision is 0* (it
 *   does not exist) *then put it with the lease*. The fencing token is the revision that
 *   transaction made, which is the key's create revision: etcd's revision is one counter for the
 *   whole store, so a later lease on any key has a larger token, and it never goes back, not
 *   even when keys are deleted.
 * - Expiry is etcd's: when the lease runs out, etcd deletes the key with it. Renewing is a
 *   keep-alive of the lease, then a read that the key is still ours (someone may have deleted it
 *   while the lease lives); releasing revokes the lease, which deletes the key at once.
 * - `value/<key>` holds the fenced values, as JSON `{ value, token }`. A write is one
 *   transaction: *if `lease/<key>`'s create revision equals the token then put*, so it is
 *   refused once the lease is gone or another holder's.
 * - `ledger/<ledger>|<id>` holds a claims ledger's entries (etcd-ledger.ts).
 * - `chunk/<key>|<name>` holds a fenced set's members, one chunk per `addMembers` step
 *   (etcd-set.ts). Adding and trimming are transactions fenced like a write.
 */
import type * as EtcdModule from 'etcd3';
import type { Etcd3, Namespace } from 'etcd3';
import type {
  ClaimOutcome,
  Coordinator,
  Fence,
  FencedValue,
  FencingToken,
  LeaseInfo,
  LedgerEntries,
  SetBounds,
} from '../coordinator.js';
import {
  CoordinatorBase,
  type EngineCalls,
  type Granted,
  type ResolvedCoordinatorOptions,
} from '../coordinator-base.js';
import {
  COORDINATION_DEADLINE_ERRORS,
  CoordinationError,
  CoordinationUnavailableError,
  CoordinationUrlError,
  StaleTokenError,
} from '../errors.js';
import { withDeadline } from '../../util/index.js';
import { EtcdLedger } from './etcd-ledger.js';
import { EtcdSet } from './etcd-set.js';

interface EtcdAddress {
  readonly hosts: string[];
  readonly auth: { username: string; password: string } | undefined;
}

/** `etcd://[user:password@]host:port[,host:port…][/][?namespace=…]` → gRPC endpoints. */
export function parseEtcdUrl(url: string): EtcdAddress {
  const match = /^etcd:\/\/(?:([^:@/]*):([^@/]*)@)?([^/?#]+)\/?(?:\?[^#]*)?$/.exec(url);
  if (match === null) {
    throw new CoordinationUrlError(
      'COORDINATION_BAD_URL',
      `not an etcd URL: expected etcd://host:port[,host:port…]`,
    );
  }
  const [, user, password, list] = match;
  const hosts = (list ?? '').split(',').map((hostPort) => {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/.test(hostPort)) {
      throw new CoordinationUrlError(
        'COORDINATION_BAD_URL',
        `etcd URL: '${hostPort}' is not host:port`,
      );
    }
    return `http://${hostPort}`;
  });
  const auth =
    user === undefined
      ? undefined
      : { username: decodeURIComponent(user), password: decodeURIComponent(password ?? '') };
  return { hosts, auth };
}

export async function openEtcdCoordinator(
  url: string,
  redacted: string,
  options: ResolvedCoordinatorOptions,
): Promise<Coordinator> {
  const address = parseEtcdUrl(url);
  const etcd = await import('etcd3');
  const { operationTimeoutMs } = options;
  const client = new etcd.Etcd3({
    hosts: address.hosts,
    ...(address.auth === undefined ? {} : { auth: address.auth }),
    dialTimeout: options.connectTimeoutMs,
    // gRPC's own deadline, so that a call we stopped waiting for does not linger either.
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: Date.now() + operationTimeoutMs },
  });
  try {
    await withDeadline(
      {
        operation: `connect to ${redacted}`,
        timeoutMs: options.connectTimeoutMs,
        errors: COORDINATION_DEADLINE_ERRORS,
      },
      () => client.maintenance.status(),
    );
  } catch (err) {
    client.close();
    throw err instanceof CoordinationError
      ? err
      : new CoordinationUnavailableError(redacted, 'connect', { cause: err });
  }
  const calls = new EtcdCalls(
    etcd,
    client,
    client.namespace(`${options.namespace}/`),
    redacted,
    operationTimeoutMs,
  );
  return new CoordinatorBase('etcd', redacted, calls, operationTimeoutMs);
}

const leaseKey = (key: string): string => `lease/${key}`;
const valueKey = (key: string): string => `value/${key}`;

class EtcdCalls implements EngineCalls {
  readonly #ledger: EtcdLedger;
  readonly #set: EtcdSet;

  constructor(
    private readonly etcd: typeof EtcdModule,
    private readonly client: Etcd3,
    private readonly ns: Namespace,
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {
    this.#ledger = new EtcdLedger(etcd, ns);
    this.#set = new EtcdSet(etcd, ns, (operation, key, token, ops) =>
      this.#fenced(operation, key, token, ops),
    );
  }

  async tryAcquire(key: string, holder: string, ttlMs: number): Promise<Granted | undefined> {
    return this.#engine(`acquire '${key}'`, async () => {
      const lease = this.ns.lease(Math.max(1, Math.ceil(ttlMs / 1000)), { autoKeepAlive: false });
      // Loss is learned by renewing; the client's own event would only repeat it.
      lease.on('lost', () => {});
      await lease.grant();
      const result = await this.ns
        .if(leaseKey(key), 'Create', '==', 0)
        .then(lease.put(leaseKey(key)).value(holder))
        .commit();
      if (!result.succeeded) {
        await lease.revoke().catch(() => {});
        return undefined;
      }
      const token = BigInt(result.header.revision);
      return {
        token,
        engine: {
          renew: () =>
            this.#engine(`renew '${key}'`, async () => {
              try {
                await lease.keepaliveOnce({ deadline: Date.now() + this.timeoutMs });
              } catch (err) {
                if (err instanceof this.etcd.EtcdLeaseInvalidError) return false;
                throw err;
              }
              // The lease lives, but the key may have been deleted (or replaced) meanwhile.
              return (await this.#current(key))?.token === token;
            }),
          release: () =>
            this.#engine(`release '${key}'`, async () => {
              try {
                await lease.revoke();
              } catch (err) {
                // Already expired or revoked: released all the same.
                if (!(err instanceof this.etcd.EtcdLeaseInvalidError)) throw err;
              }
            }),
        },
      };
    });
  }

  holderOf(key: string): Promise<LeaseInfo | undefined> {
    return this.#engine(`holderOf '${key}'`, () => this.#current(key));
  }

  put(key: string, value: string, token: FencingToken): Promise<void> {
    return this.#fenced(`put '${key}'`, key, token, (txn) =>
      txn.then(
        this.ns.put(valueKey(key)).value(JSON.stringify({ value, token: token.toString() })),
      ),
    );
  }

  get(key: string): Promise<FencedValue | undefined> {
    return this.#engine(`get '${key}'`, async () => {
      const text = await this.ns.get(valueKey(key)).string();
      if (text === null) return undefined;
      const stored = JSON.parse(text) as { value: string; token: string };
      return { value: stored.value, token: BigInt(stored.token) };
    });
  }

  addMembers(key: string, members: readonly string[], token: FencingToken): Promise<void> {
    return this.#engine(`addMembers '${key}'`, () => this.#set.add(key, members, token));
  }

  members(key: string): Promise<string[]> {
    return this.#engine(`members '${key}'`, () => this.#set.members(key));
  }

  trimMembers(key: string, bounds: SetBounds, token: FencingToken): Promise<number> {
    return this.#engine(`trimMembers '${key}'`, () => this.#set.trim(key, bounds, token));
  }

  claim(ledger: string, ids: readonly string[], fence: Fence): Promise<Map<string, ClaimOutcome>> {
    return this.#engine(`claim '${ledger}'`, async () => {
      const outcomes = await this.#ledger.claimAll(ledger, ids, fence);
      return new Map(ids.map((id, i) => [id, outcomes[i] as ClaimOutcome]));
    });
  }

  complete(ledger: string, ids: readonly string[], fence: Fence): Promise<void> {
    return this.#engine(`complete '${ledger}'`, () => this.#ledger.complete(ledger, ids, fence));
  }

  unclaim(ledger: string, ids: readonly string[], fence: Fence, doubtful: boolean): Promise<void> {
    return this.#engine(`unclaim '${ledger}'`, () =>
      this.#ledger.unclaim(ledger, ids, fence, doubtful),
    );
  }

  ledgerEntries(ledger: string): Promise<LedgerEntries> {
    return this.#engine(`ledgerEntries '${ledger}'`, () => this.#ledger.entries(ledger));
  }

  trimLedger(ledger: string, bounds: SetBounds, fence: Fence): Promise<number> {
    return this.#engine(`trimLedger '${ledger}'`, () =>
      this.#ledger.trimLedger(ledger, bounds, fence),
    );
  }

  disconnect(): Promise<void> {
    this.client.close();
    return Promise.resolve();
  }

  /** One transaction: `ops` if `key`'s lease has this token, else a `StaleTokenError`. */
  async #fenced(
    operation: string,
    key: string,
    token: FencingToken,
    ops: (txn: EtcdModule.ComparatorBuilder) => EtcdModule.ComparatorBuilder,
  ): Promise<void> {
    const result = await this.#engine(operation, () =>
      ops(this.ns.if(leaseKey(key), 'Create', '==', token.toString()))
        .else(this.ns.get(leaseKey(key)))
        .commit(),
    );
    if (result.succeeded) return;
    const kv = result.responses[0]?.response_range.kvs[0];
    throw new StaleTokenError(
      key,
      token,
      kv === undefined ? undefined : BigInt(kv.create_revision),
    );
  }

  async #current(key: string): Promise<LeaseInfo | undefined> {
    const kv = (await this.ns.get(leaseKey(key)).exec()).kvs[0];
    if (kv === undefined) return undefined;
    return { key, holder: kv.value.toString(), token: BigInt(kv.create_revision) };
  }

  /** Runs an engine call; anything but our own typed errors becomes `CoordinationUnavailableError`. */
  async #engine<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof CoordinationError) throw err;
      throw new CoordinationUnavailableError(this.url, operation, { cause: err });
    }
  }
}
