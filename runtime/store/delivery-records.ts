/**
 * What an inbound endpoint knows durably of its deliveries: which ids are being put (the put
 * marks) and which were delivered (the de-duplication store). A delivered id is durable once the
 * put marks' slot file holds it — one small write and fdatasync, which the message's ack waits
 * for — and reaches the LMDB store behind, in the background, by the group commit there; until
 * LMDB holds it durably, every later write of the marks carries it, and the next start puts the
 * ids the last write held back into LMDB before anything is consumed. An LMDB commit (several
 * page writes, two flushes, the library's writer thread) cost an inbound endpoint in
 * single-record mode more than its put; the slot write costs a fraction of it.
 */
import type { Admission, InboundRecords } from './inbound-records.js';
import type { MarksState } from './put-marks.js';

/** The de-duplication record: LMDB (`DeliveredStore`), or the engine's fenced set. */
export interface DeliveredIds {
  has(id: string): boolean;
  /** Resolves once `ids` are durable there. */
  addMany(ids: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** The put marks: slot files (`PutMarks`), or the engine's fenced value. */
export interface MarksLog {
  /** The ids the previous run had marked as being put. */
  readonly left: ReadonlySet<string>;
  /** The ids the previous run had delivered, last written there. */
  readonly delivered: readonly string[];
  /** Writes what `current()` returns when the write begins; resolves once durable. */
  mark(current: () => MarksState): Promise<void>;
  close(): Promise<void>;
}

export interface DeliveryRecordsHooks {
  /** The de-duplication store failed to take ids in the background (they stay in the marks). */
  readonly storeFailed: (error: Error) => void;
}

export class DeliveryRecords implements InboundRecords {
  readonly #store: DeliveredIds;
  readonly #marks: MarksLog;
  readonly #hooks: DeliveryRecordsHooks;
  /**
   * Ids whose put has begun and whose delivery is not recorded yet (nor refused): every mark
   * written holds all of them, so that a crash leaves each one marked, whichever puts and
   * records overlap (concurrency, or prefetch > 1 syncing one id while the next is put).
   */
  readonly #putting = new Set<string>();
  /**
   * The write that marks each id of `#putting` (its promise settles once that write is synced);
   * an id whose write failed is left out, so that the next `markPutting` writes it again.
   */
  readonly #marking = new Map<string, Promise<void>>();
  /** Ids marked on arrival (`markAhead`) whose put has not begun. */
  readonly #ahead = new Set<string>();
  /** Delivered ids the de-duplication store may not hold durably yet: every write carries them. */
  readonly #unstored = new Set<string>();
  /** Ids a background commit failed to store: they join the next one. */
  #retry: string[] = [];
  /** Background commits under way: closing waits for them. */
  readonly #storing = new Set<Promise<void>>();

  /** Record by the store's own durable add, not by a write of the marks (see `open`). */
  readonly #recordInStore: boolean;

  private constructor(
    store: DeliveredIds,
    marks: MarksLog,
    hooks: DeliveryRecordsHooks,
    recordInStore: boolean,
  ) {
    this.#store = store;
    this.#marks = marks;
    this.#hooks = hooks;
    this.#recordInStore = recordInStore;
  }

  /**
   * Puts the ids the previous run delivered (as its marks say) into the de-duplication store,
   * durably, and starts from there.
   */
  static async open(
    store: DeliveredIds,
    marks: MarksLog,
    hooks: DeliveryRecordsHooks,
    options: { readonly recordInStore?: boolean } = {},
  ): Promise<DeliveryRecords> {
    if (marks.delivered.length > 0) await store.addMany(marks.delivered);
    return new DeliveryRecords(store, marks, hooks, options.recordInStore === true);
  }

  /** One instance's records know every id they need to at once: nothing to wait for. */
  admit(): Promise<Admission> {
    return Promise.resolve('fresh');
  }

  /** The ids the previous run was putting when it stopped and did not record as delivered. */
  leftUnrecorded(): string[] {
    return [...this.#marks.left].filter((id) => !this.has(id));
  }

  /** True when `id` was recorded as delivered (durably, or with its write under way). */
  has(id: string): boolean {
    return this.#unstored.has(id) || this.#store.has(id);
  }

  /**
   * Marks `id` as being put as soon as its message arrives, while earlier messages are still
   * being put, so that its mark is synced by the time its put may begin: with several messages
   * in hand, a put no longer waits for a sync of its own. Marking early is safe: a marked id
   * that was not put is only looked up (or put again) after a crash. Nothing is written for an
   * id already delivered or marked. Once the message is settled, `withdraw(id)` unmarks it if
   * its put never began.
   */
  markAhead(id: string): void {
    if (this.#putting.has(id) || this.has(id)) return;
    this.#ahead.add(id);
    void this.#mark([id]);
  }

  /** Marks `ids` as being put; resolves once synced (at once for ids whose mark is synced). */
  markPutting(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.#ahead.delete(id);
    const fresh = ids.filter((id) => !this.#marking.has(id));
    if (fresh.length > 0) void this.#mark(fresh);
    // Every id has its write now: the one that marked it on arrival, or the one just begun.
    const writes = new Set<Promise<void>>();
    for (const id of ids) {
      const written = this.#marking.get(id);
      if (written !== undefined) writes.add(written);
    }
    return Promise.all(writes).then(() => undefined);
  }

  /** `id` is no longer being put (refused by the target, or dead-lettered): no write needed. */
  unmark(id: string): void {
    this.#putting.delete(id);
    this.#marking.delete(id);
    this.#ahead.delete(id);
  }

  /** The message of `id` was settled: unmarks it if it was marked ahead and never put. */
  withdraw(id: string): void {
    if (this.#ahead.has(id)) this.unmark(id);
  }

  /**
   * Records `ids` as delivered; resolves once synced (then the messages may be acked). From the
   * call on, `has()` answers true for them: a copy arriving meanwhile is dropped. A failed write
   * rejects, and the ids stay recorded for the next write to carry: the target has them.
   *
   * With `recordInStore` (a store whose add is one durable round trip, as the coordination
   * engine's set is) the store's add is what the ack waits for, and the marks are not written:
   * until the set holds the ids, the marks still list them as being put (a crash makes them
   * suspects, looked up before a put) and every later write of the marks carries them as
   * delivered.
   */
  record(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      this.unmark(id);
      this.#unstored.add(id);
    }
    const written = this.#recordInStore ? undefined : this.#write();
    const batch = this.#retry.length > 0 ? [...ids, ...this.#retry.splice(0)] : ids;
    const added = this.#store.addMany(batch);
    const storing = added.then(
      () => {
        for (const id of batch) this.#unstored.delete(id);
      },
      (err: unknown) => {
        this.#retry.push(...batch);
        this.#hooks.storeFailed(err instanceof Error ? err : new Error(String(err)));
      },
    );
    this.#storing.add(storing);
    void storing.finally(() => this.#storing.delete(storing));
    return written ?? added;
  }

  /** Closes the marks and the store once their writes, the background ones too, are done. */
  async close(): Promise<void> {
    await Promise.all([...this.#storing]);
    await Promise.all([this.#store.close(), this.#marks.close()]);
  }

  /** Adds `ids` to the ids being put and writes them; each one's mark is that write. */
  #mark(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.#putting.add(id);
    const written = this.#write();
    for (const id of ids) this.#marking.set(id, written);
    written.catch(() => {
      for (const id of ids) if (this.#marking.get(id) === written) this.#marking.delete(id);
    });
    return written;
  }

  #write(): Promise<void> {
    return this.#marks.mark(() => ({ putting: this.#putting, delivered: this.#unstored }));
  }
}
