/**
 * Hands a subscription's deliveries to its handler: at most `prefetch` at once, in arrival order,
 * acking on success and, on failure, waiting a growing delay and then either giving the message
 * back to the broker (`nack`) or — where the protocol has no nack (MQTT) — running it again
 * locally while the broker still holds it unacknowledged.
 */
import { debuglog } from 'node:util';
import type { InboundMessage, MessageHandler } from '../transport.js';

const trace = debuglog('aes-transport');

export const DEFAULT_REDELIVERY_DELAY_MS = 500;
/** The redelivery delay doubles per delivery up to this factor. */
const MAX_REDELIVERY_FACTOR = 16;

export interface DispatchedMessage {
  message: InboundMessage;
  /** Settles the message with the broker. */
  ack(): void;
  /** Gives the message back to the broker; absent when the protocol cannot (local redelivery). */
  readonly nack?: () => void;
  /** True once the connection the message came on has ended: settling it is pointless. */
  stale(): boolean;
}

export class DeliveryDispatcher {
  private readonly queue: DispatchedMessage[] = [];
  private active = 0;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly handler: MessageHandler,
    private readonly prefetch: number,
    private readonly redeliveryDelayMs: number,
  ) {}

  push(delivery: DispatchedMessage): void {
    if (this.closed) {
      delivery.nack?.();
      return;
    }
    this.queue.push(delivery);
    this.pump();
  }

  /** Forgets queued deliveries of a connection that ended (the broker redelivers them). */
  dropStale(): void {
    for (let i = this.queue.length - 1; i >= 0; i -= 1) {
      if ((this.queue[i] as DispatchedMessage).stale()) this.queue.splice(i, 1);
    }
  }

  /** Handlers in progress plus deliveries waiting. */
  get pending(): number {
    return this.active + this.queue.length;
  }

  /** Stops dispatching; queued deliveries are given back (or left to the broker to redeliver). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const delivery of this.queue.splice(0)) if (!delivery.stale()) delivery.nack?.();
  }

  private pump(): void {
    while (!this.closed && this.active < this.prefetch && this.queue.length > 0) {
      const delivery = this.queue.shift() as DispatchedMessage;
      if (delivery.stale()) continue;
      this.active += 1;
      this.run(delivery);
    }
  }

  private run(delivery: DispatchedMessage): void {
    let result: Promise<void>;
    try {
      // Typed as returning a promise, but a JavaScript caller may hand in anything: a handler
      // that throws or returns no promise fails its delivery (nack) instead of the process.
      const returned: unknown = this.handler(delivery.message);
      result = isThenable(returned)
        ? Promise.resolve(returned).then(() => undefined)
        : Promise.reject(
            new TypeError(
              `message handler returned ${describe(returned)}, not a promise: it must be an async function (resolve to ack, reject to nack)`,
            ),
          );
    } catch (err) {
      result = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    result.then(
      () => {
        if (!delivery.stale()) delivery.ack();
        this.finish();
      },
      (err: unknown) => this.failed(delivery, err),
    );
  }

  private failed(delivery: DispatchedMessage, err: unknown): void {
    const count = delivery.message.deliveryCount;
    trace('handler failed (delivery %d): %o', count, err);
    const factor = Math.min(MAX_REDELIVERY_FACTOR, 2 ** Math.max(0, count - 1));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (delivery.stale()) {
        this.finish();
      } else if (delivery.nack !== undefined) {
        delivery.nack();
        this.finish();
      } else if (this.closed) {
        this.finish();
      } else {
        // Keep the slot: the same message runs again before anything behind it.
        delivery.message = { ...delivery.message, deliveryCount: count + 1, redelivered: true };
        this.run(delivery);
      }
    }, this.redeliveryDelayMs * factor);
    timer.unref();
    this.timers.add(timer);
    if (this.closed) {
      clearTimeout(timer);
      this.timers.delete(timer);
      if (!delivery.stale()) delivery.nack?.();
      this.finish();
    }
  }

  private finish(): void {
    this.active -= 1;
    this.pump();
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function describe(value: unknown): string {
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : typeof value;
}
