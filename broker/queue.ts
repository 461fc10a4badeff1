/**
 * A queue's in-memory index: the sequence numbers of its stored messages awaiting dispatch, in
 * order, and its consumers. Each message goes to one consumer, chosen round robin among those
 * that can take it (prefetch window open, output under the limit). Bodies stay in the store.
 */

/** A message of a queue, as the index knows it. */
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
}

/** What a queue needs from the broker around it. */
export interface QueueHost<C extends QueueConsumer> {
  /** Hands `message` to `subscription` (reads the body from the store, writes MESSAGE). */
  deliver(subscription: C, queue: Queue<C>, message: QueuedMessage): void;
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
  #pending: (QueuedMessage | undefined)[] = [];
  #head = 0;
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
    return this.#pending.length - this.#head;
  }

  get consumerCount(): number {
    return this.#consumers.length;
  }

  stats(): QueueStats {
    return { depth: this.depth, consumers: this.consumerCount, ...this.counts };
  }

  /** Adds a stored message in sequence order; `dispatch` false while loading the store. */
  enqueue(message: QueuedMessage, dispatch = true): void {
    if (dispatch && message.deliveries === 0) this.counts.enqueued += 1;
    const last = this.#pending[this.#pending.length - 1];
    if (last === undefined || last.seq < message.seq) {
      this.#pending.push(message);
    } else {
      // Out of order (a returned message): binary search its place among the pending.
      let lo = this.#head;
      let hi = this.#pending.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const at = this.#pending[mid];
        if (at !== undefined && at.seq < message.seq) lo = mid + 1;
        else hi = mid;
      }
      if (lo === this.#head && this.#head > 0) {
        this.#head -= 1;
        this.#pending[this.#head] = message;
      } else {
        this.#pending.splice(lo, 0, message);
      }
    }
    if (dispatch) this.dispatch();
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
    this.enqueue(message);
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
    this.#compact();
  }

  #dispatchOnce(): void {
    if (!this.host.isDispatching()) return;
    while (this.#head < this.#pending.length && this.#consumers.length > 0) {
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
      const message = this.#pending[this.#head];
      this.#pending[this.#head] = undefined;
      this.#head += 1;
      if (message !== undefined) this.host.deliver(chosen, this, message);
    }
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    } else if (this.#head === this.#pending.length && this.#head > 0) {
      this.#pending = [];
      this.#head = 0;
    }
  }
}
