/**
 * Reads every key under a prefix of an etcd namespace in pages (key order), so that a large set
 * or ledger never comes back as one response: the fenced sets' `members` and the ledgers' trim
 * read through it.
 */
import type * as EtcdModule from 'etcd3';
import type { IKeyValue, Namespace } from 'etcd3';

/** Keys read per range request. */
export const ETCD_PAGE = 5_000;

/** Yields the key-values under `prefix` (keys without the namespace's own prefix), a page at a time. */
export async function* pagesUnder(
  etcd: typeof EtcdModule,
  ns: Namespace,
  prefix: string,
): AsyncGenerator<IKeyValue[]> {
  const end = etcd.Range.prefix(prefix).end;
  let start: Buffer | string = prefix;
  for (;;) {
    const page = await ns
      .getAll()
      .inRange(new etcd.Range(start, end))
      .sort('Key', 'Ascend')
      .limit(ETCD_PAGE)
      .exec();
    yield page.kvs;
    const last = page.kvs.at(-1);
    if (page.kvs.length < ETCD_PAGE || last === undefined) return;
    start = Buffer.concat([last.key, Buffer.from([0])]);
  }
}
