/**
 * A queue's in-memory index: the sequence numbers of its stored messages awaiting dispatch, in
 * order, and its consumers. Each message goes to one consumer, chosen round robin among those
 * that can take it (prefetch window open, output under the limit). Bodies stay in the store.
 *
 * A message never delivered by this run is only a bit of a {@link SeqSet} (its id and delivery
 * count are in its record, read at delivery), so a backlog of millions costs a few hundred KB; a
 * message that was delivered and came back keeps its {@link QueuedMessage} until redelivered.
 */
import { SeqSet } from './seq-set.js';

/** A delivered message of a queue (from its record), as its delivery and redelivery know it. */
export interface QueuedMessage {
  readonly seq: number;
  readonly messageId: string;
  /** Deliveries so far (1 after the first). */
  deliveries: number;
}

/** Why a delivered message comes back to its queue. */
export type ReturnReason = 'nack' | 'consumer-gone';

/**
 * What a queue needs from a consumer (a subscription): whether it can take a message now. The
 * queue is generic over its consumers' type so that it need not import the subscription, which
 * refers to its queue.
 */
export interface QueueConsumer {
  canAccept(): boolean;
  /** Its deliveries not yet acknowledged (a subscription reads one queue only). */
  readonly unacked: { readonly size: number };
}

/** What a queue needs from the broker around it. */
export interface QueueHost<C extends QueueConsumer> {
  /**
   * Hands message `seq` to `subscription` (reads its record from the store, writes MESSAGE);
   * `returned` is the message as delivered before, when it came back.
   */
  deliver(subscription: C, queue: Queue<C>, seq: number, returned: QueuedMessage | undefined): void;
  /**
   * Moves a message that reached its delivery limit to the dead-letter queue; false when it
   * stays (it is a dead letter already), and is then redelivered like any other.
   */
  deadLetter(queue: Queue<C>, message: QueuedMessage, reason: ReturnReason): boolean;
  /** Persists a returned message's delivery count. */
  persistDeliveries(queue: Queue<C>, message: QueuedMessage): void;
  /** Whether messages coming back should go to the dead-letter queue once at the limit. */
  readonly maxDeliveries: number;
  /** False while the broker is shutting down: nothing is dispatched. */
  isDispatching(): boolean;
}

/** What a queue counted since the broker started (for metrics). */
export interface QueueStats {
  readonly depth: number;
  readonly consumers: number;
  /** Messages delivered to its consumers and not yet acknowledged (not counted in `depth`). */
  readonly unacked: number;
  /** New messages stored in the queue. */
  readonly enqueued: number;
  /** Messages acknowledged and removed. */
  readonly dequeued: number;
  /** Messages returned for redelivery. */
  readonly redelivered: number;
  /** Messages moved to the dead-letter queue. */
  readonly deadLettered: number;
}

export class Queue<C extends QueueConsumer> {
  /** Counters behind {@link stats}; the router counts acks in `dequeued`. */
  readonly counts = { enqueued: 0, dequeued: 0, redelivered: 0, deadLettered: 0 };
  /** Sequence numbers awaiting dispatch. */
  #pending = new SeqSet();
  /** The pending ones that were delivered before and came back, by sequence number. */
  readonly #returned = new Map<number, QueuedMessage>();
  #consumers: C[] = [];
  #next = 0;
  #dispatching = false;
  #again = false;

  constructor(
    readonly name: string,
    private readonly host: QueueHost<C>,
    /** Dead-letter queues keep their messages however often they are redelivered. */
    readonly isDeadLetter: boolean,
  ) {}

  /** Messages waiting for a consumer (not counting those delivered and unacked). */
  get depth(): number {
    return this.#pending.size;
  }

  get consumerCount(): number {
    return this.#consumers.length;
  }

  stats(): QueueStats {
    let unacked = 0;
    for (const consumer of this.#consumers) unacked += consumer.unacked.size;
    return { depth: this.depth, consumers: this.consumerCount, unacked, ...this.counts };
  }

  /** The stored messages found at start-up (before any consumer): `seqs` becomes the queue's. */
  load(seqs: SeqSet): void {
    this.#pending = seqs;
  }

  /** Adds a newly stored message (its place is its sequence number) and dispatches. */
  enqueue(seq: number): void {
    this.counts.enqueued += 1;
    this.#pending.add(seq);
    this.dispatch();
  }

  /** Puts a delivered message back in its place (by sequence number) and dispatches. */
  requeue(message: QueuedMessage): void {
    this.#returned.set(message.seq, message);
    this.#pending.add(message.seq);
    this.dispatch();
  }

  /** A delivered message came back: redeliver it (first in line) or dead-letter it. */
  returnMessage(message: QueuedMessage, reason: ReturnReason): void {
    if (
      !this.isDeadLetter &&
      message.deliveries >= this.host.maxDeliveries &&
      this.host.deadLetter(this, message, reason)
    ) {
      this.counts.deadLettered += 1;
      return;
    }
    this.counts.redelivered += 1;
    this.host.persistDeliveries(this, message);
    this.requeue(message);
  }

  addConsumer(subscription: C): void {
    this.#consumers.push(subscription);
    this.dispatch();
  }

  removeConsumer(subscription: C): void {
    const i = this.#consumers.indexOf(subscription);
    if (i < 0) return;
    this.#consumers.splice(i, 1);
    if (this.#next > i) this.#next -= 1;
    if (this.#next >= this.#consumers.length) this.#next = 0;
  }

  /** Hands pending messages to consumers that can take them, round robin. */
  dispatch(): void {
    if (this.#dispatching) {
      this.#again = true;
      return;
    }
    this.#dispatching = true;
    try {
      do {
        this.#again = false;
        this.#dispatchOnce();
      } while (this.#again);
    } finally {
      this.#dispatching = false;
    }
  }

  #dispatchOnce(): void {
    if (!this.host.isDispatching()) return;
    const pending = this.#pending;
    while (pending.size > 0 && this.#consumers.length > 0) {
      const n = this.#consumers.length;
      let chosen: C | undefined;
      for (let k = 0; k < n; k += 1) {
        const idx = (this.#next + k) % n;
        const candidate = this.#consumers[idx];
        if (candidate?.canAccept() === true) {
          chosen = candidate;
          this.#next = (idx + 1) % n;
          break;
        }
      }
      if (chosen === undefined) return;
      const seq = pending.first() as number;
      pending.delete(seq);
      const returned = this.#returned.get(seq);
      if (returned !== undefined) this.#returned.delete(seq);
      this.host.deliver(chosen, this, seq, returned);
    }
  }
}
