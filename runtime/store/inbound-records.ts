/**
 * What an inbound endpoint asks of its delivery records, wherever they live: in its data folder
 * or the coordination engine for one instance (`DeliveryRecords`), or a claims ledger that the
 * instances of a `shared` endpoint on several nodes use together (`SharedRecords`).
 */

/** What an arriving message's id needs before its put: nothing special, or a look first. */
export type Admission =
  /** Put it (unless `has()` now says it was delivered: then drop it). */
  | 'fresh'
  /** Its put may have reached the target already (another instance or run began it): look first. */
  | 'suspect';

export interface InboundRecords {
  /**
   * Decides an arrived message's id (begun by `markAhead`); resolves once this instance may go
   * on with it. Rejects when the records cannot decide (the engine unreachable, closing): the
   * message is then given back.
   */
  admit(id: string): Promise<Admission>;
  /** True when `id` was recorded as delivered. */
  has(id: string): boolean;
  /** The ids a previous run was putting when it stopped and did not record as delivered. */
  leftUnrecorded(): string[];
  /** `id`'s message arrived: mark or claim it while earlier messages are being put. */
  markAhead(id: string): void;
  /** Marks `ids` as being put; resolves once that is durable. */
  markPutting(ids: readonly string[]): Promise<void>;
  /** `id` is no longer being put (refused by the target, or dead-lettered). */
  unmark(id: string): void;
  /** `id`'s message was settled (acked or given back). */
  withdraw(id: string): void;
  /** Records `ids` as delivered; resolves once durable (then the messages may be acked). */
  record(ids: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
