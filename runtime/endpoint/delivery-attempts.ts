/**
 * An inbound endpoint's own count of each message's deliveries, for brokers that do not count
 * them (MQTT), bounded: the oldest entries go first.
 */
import type { InboundMessage } from '../../transports/index.js';

/** Delivery attempts remembered locally. */
const MAX_TRACKED_ATTEMPTS = 10_000;

export class DeliveryAttempts {
  private readonly attempts = new Map<string, number>();

  /** The broker's delivery count, or ours when the broker does not count. */
  countOf(message: InboundMessage): number {
    const id = message.messageId;
    const local = id === undefined ? 0 : (this.attempts.get(id) ?? 0);
    return Math.max(message.deliveryCount, local + 1);
  }

  /** `id` failed its `deliveryCount`-th delivery. */
  remember(id: string, deliveryCount: number): void {
    this.attempts.delete(id);
    this.attempts.set(id, deliveryCount);
    if (this.attempts.size > MAX_TRACKED_ATTEMPTS) {
      const oldest = this.attempts.keys().next();
      if (oldest.done !== true) this.attempts.delete(oldest.value);
    }
  }

  /** `id` is settled: delivered, dropped or dead-lettered. */
  forget(id: string): void {
    this.attempts.delete(id);
  }
}
