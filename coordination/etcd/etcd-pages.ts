/**
 * Reads every key under a prefix of an etcd namespace in pages (key order), so that a large set
 * or ledger never comes back as one response: the fenced sets and the ledgers read through it.
 */
import type * as EtcdModule from 'etcd3';
import type { IKeyValue, Namespace } from 'etcd3';

/** Keys read per range request, unless a caller asks for fewer. */
export const ETCD_PAGE = 5_000;

/**
 * Yields the key-values under `prefix` (keys without the namespace's own prefix), `limit` per
 * page.
 */
export function pagesUnder(
  etcd: typeof EtcdModule,
  ns: Namespace,
  prefix: string,
  limit = ETCD_PAGE,
): AsyncGenerator<IKeyValue[]> {
  return paged(
    etcd,
    ns,
    prefix,
    limit,
    async (request) => (await request.exec()).kvs,
    (kv) => kv.key,
  );
}

/** Yields the keys under `prefix` alone (no values), a page at a time. */
export function keysUnder(
  etcd: typeof EtcdModule,
  ns: Namespace,
  prefix: string,
): AsyncGenerator<Buffer[]> {
  return paged(
    etcd,
    ns,
    prefix,
    ETCD_PAGE,
    (request) => request.keyBuffers(),
    (key) => key,
  );
}

async function* paged<T>(
  etcd: typeof EtcdModule,
  ns: Namespace,
  prefix: string,
  limit: number,
  read: (request: EtcdModule.MultiRangeBuilder) => Promise<T[]>,
  keyOf: (item: T) => Buffer,
): AsyncGenerator<T[]> {
  const end = etcd.Range.prefix(prefix).end;
  let start: Buffer | string = prefix;
  for (;;) {
    const page = await read(
      ns.getAll().inRange(new etcd.Range(start, end)).sort('Key', 'Ascend').limit(limit),
    );
    yield page;
    const last = page.at(-1);
    if (page.length < limit || last === undefined) return;
    start = Buffer.concat([keyOf(last), Buffer.from([0])]);
  }
}
