/**
 * Queued messages kept in memory, up to a byte budget, from SEND until they leave the broker
 * (acknowledged or dead-lettered): delivering them then costs no store read and no decoding.
 * Messages beyond the budget, and those loaded from the store at start, are read from the store
 * when delivered. Only the budget's owner (the router) attaches and releases.
 */
import type { QueuedMessage } from './queue.js';
import type { StoredRecord } from './store.js';

/** What a header costs beyond its characters (array, tuple, strings' own overhead). */
const PER_HEADER_BYTES = 64;
/** What a message costs beyond its body and headers. */
const PER_MESSAGE_BYTES = 128;

export class RecordCache {
  #bytes = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes held now (an estimate: body and header sizes plus fixed overheads). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Keeps `record` with `message` when the budget has room for it. */
  keep(message: QueuedMessage, record: StoredRecord): void {
    let cost = PER_MESSAGE_BYTES + record.body.length;
    for (const [name, value] of record.headers) {
      cost += PER_HEADER_BYTES + name.length + value.length;
    }
    if (this.#bytes + cost > this.maxBytes) return;
    this.#bytes += cost;
    message.cached = { record, cost };
  }

  /** The record kept with `message`, if any. */
  get(message: QueuedMessage): StoredRecord | undefined {
    return message.cached?.record;
  }

  /** Lets go of `message`'s record (it left the broker). */
  release(message: QueuedMessage): void {
    if (message.cached === undefined) return;
    this.#bytes -= message.cached.cost;
    message.cached = undefined;
  }
}
