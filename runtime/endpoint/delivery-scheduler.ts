/**
 * When an inbound endpoint handles the deliveries it holds: one at a time in the broker's order
 * (or a batch at a time, for `putMany`), or — with `concurrency` > 1, for a target that accepts
 * any order — up to that many at once, each on its own. Two copies of one message id are never
 * handled at once: the second waits for the first, then finds it delivered (and is dropped) or
 * not (and is put). Deliveries that arrive, or are still queued, once the endpoint stops are
 * held unacknowledged and refused when it has unsubscribed, for the broker to redeliver.
 */
import type { InboundMessage } from '../../transports/index.js';

/** A delivery in hand: the broker's message and how to settle it (ack or nack). */
export interface Pending {
  readonly message: InboundMessage;
  readonly settle: {
    readonly resolve: () => void;
    readonly reject: (error: unknown) => void;
  };
}

export interface DeliverySchedulerHost {
  readonly batchSize: number;
  readonly concurrency: number;
  /** True once the endpoint began to stop. */
  stopping(): boolean;
  /** Handles one delivery; never rejects (a failure is a nack). */
  handleOne(pending: Pending): Promise<void>;
  /** Handles a batch (batch mode); never rejects. */
  handleMany(batch: readonly Pending[]): Promise<void>;
}

/** Thrown to nack a message that arrived after the endpoint began to stop. */
export class StoppingError extends Error {
  override readonly name = 'StoppingError';
}

export class DeliveryScheduler {
  readonly #host: DeliverySchedulerHost;
  /** Deliveries waiting their turn, in the order the broker sent them. */
  readonly #queue: Pending[] = [];
  /** One at a time: handles the queue, one delivery (or one batch) after the other. */
  #worker: Promise<void> = Promise.resolve();
  #working = false;
  /** Concurrency > 1: the deliveries being handled now, by message id where there is one. */
  readonly #running = new Set<Promise<void>>();
  readonly #byId = new Map<string, Promise<void>>();
  /** Deliveries held while stopping: refused once unsubscribed. */
  readonly #held: ((error: Error) => void)[] = [];

  constructor(host: DeliverySchedulerHost) {
    this.#host = host;
  }

  /** A delivery from the broker: settles when it is acked (resolves) or nacked (rejects). */
  add(message: InboundMessage): Promise<void> {
    if (this.#host.stopping()) {
      return new Promise<void>((_resolve, reject) => this.#held.push(reject));
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ message, settle: { resolve, reject } });
      if (this.#host.concurrency > 1) this.#pump();
      else if (!this.#working) {
        this.#working = true;
        this.#worker = this.#work();
      }
    });
  }

  /** Resolves once every delivery begun is handled (their acks may still wait for syncs). */
  async idle(): Promise<void> {
    await this.#worker;
    await Promise.allSettled([...this.#running]);
  }

  /** Refuses every held delivery (the endpoint has unsubscribed). */
  refuseHeld(error: Error): void {
    for (const reject of this.#held.splice(0)) reject(error);
  }

  #holdQueued(): void {
    for (const pending of this.#queue.splice(0)) this.#held.push(pending.settle.reject);
  }

  /** Concurrency > 1: starts queued deliveries until that many are in hand. */
  #pump(): void {
    while (this.#queue.length > 0 && this.#running.size < this.#host.concurrency) {
      if (this.#host.stopping()) {
        this.#holdQueued();
        return;
      }
      const pending = this.#queue.shift() as Pending;
      const id = pending.message.messageId;
      const earlier = id === undefined ? undefined : this.#byId.get(id);
      // A second copy of a message in hand waits for the first's outcome.
      const handled: Promise<void> = (earlier ?? Promise.resolve())
        .then(() => this.#host.handleOne(pending))
        .finally(() => {
          this.#running.delete(handled);
          if (id !== undefined && this.#byId.get(id) === handled) this.#byId.delete(id);
          this.#pump();
        });
      this.#running.add(handled);
      if (id !== undefined) this.#byId.set(id, handled);
    }
  }

  async #work(): Promise<void> {
    const { batchSize } = this.#host;
    try {
      while (this.#queue.length > 0) {
        if (batchSize > 1 && this.#queue.length < batchSize) {
          // The broker's deliveries come in bursts, parsed one by one from each socket read: let
          // this burst finish so that it makes one putMany rather than a put and a putMany.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        if (this.#host.stopping()) {
          // Queued behind the one in hand when stop() began: left unacked for the broker to
          // redeliver in order (nacking one by one would reverse them on some brokers).
          this.#holdQueued();
          break;
        }
        const batch = this.#queue.splice(0, batchSize);
        if (batch.length === 1) await this.#host.handleOne(batch[0] as Pending);
        else await this.#host.handleMany(batch);
      }
    } finally {
      this.#working = false;
    }
  }
}
