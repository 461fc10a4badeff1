/** A subscription of one connection to one destination, and the deliveries it has not acked. */
import type { QueuedMessage, Queue } from './queue.js';

export type AckMode = 'auto' | 'client' | 'client-individual';

export const ACK_MODES: readonly AckMode[] = ['auto', 'client', 'client-individual'];

/** One message handed to a subscription and not yet acknowledged. */
export interface BrokerDelivery {
  /** The `ack` header value (STOMP 1.2), unique per delivery on the connection. */
  readonly ackId: string;
  readonly messageId: string;
  /** Set for queue messages: where the message returns when nacked or abandoned. */
  readonly queue: Queue<BrokerSubscription> | undefined;
  readonly message: QueuedMessage | undefined;
}

/** What a subscription needs from its connection. */
export interface SubscriberConnection {
  /** Whether output pending on the socket is under the connection's limit. */
  isWritable(): boolean;
  /** Writes a MESSAGE frame to the subscriber. */
  sendMessage(
    subscription: BrokerSubscription,
    message: {
      readonly messageId: string;
      readonly destination: string;
      readonly headers: ReadonlyArray<readonly [string, string]>;
      readonly body: Buffer;
      readonly deliveries: number;
      readonly queue: Queue<BrokerSubscription> | undefined;
      readonly queued: QueuedMessage | undefined;
    },
  ): void;
  /** Disconnects a topic subscriber that cannot keep up. */
  failSlowConsumer(subscription: BrokerSubscription): void;
}

export class BrokerSubscription {
  /** Unacknowledged deliveries in delivery order (Map keeps insertion order). */
  readonly unacked = new Map<string, BrokerDelivery>();
  /**
   * message-id → ack id, for STOMP 1.0/1.1 ACK frames that name the message; kept only when
   * `byMessageId` (a 1.2 ACK names its delivery's `ack` id, so the map would be dead weight).
   */
  readonly ackIdByMessageId = new Map<string, string>();

  constructor(
    readonly id: string,
    readonly destination: string,
    readonly ackMode: AckMode,
    readonly prefetch: number,
    readonly connection: SubscriberConnection,
    /** Whether ACK/NACK frames name messages by `message-id` (STOMP 1.0 and 1.1). */
    readonly byMessageId = true,
  ) {}

  /** Whether a queue may hand this subscription another message now. */
  canAccept(): boolean {
    if (!this.connection.isWritable()) return false;
    return this.ackMode === 'auto' || this.unacked.size < this.prefetch;
  }

  /** Records a delivery awaiting ACK/NACK. */
  track(delivery: BrokerDelivery): void {
    this.unacked.set(delivery.ackId, delivery);
    if (this.byMessageId) this.ackIdByMessageId.set(delivery.messageId, delivery.ackId);
  }

  /** Forgets a delivery (acked, nacked or abandoned); returns whether it was pending. */
  untrack(delivery: BrokerDelivery): boolean {
    if (!this.unacked.delete(delivery.ackId)) return false;
    if (this.byMessageId && this.ackIdByMessageId.get(delivery.messageId) === delivery.ackId) {
      this.ackIdByMessageId.delete(delivery.messageId);
    }
    return true;
  }

  /**
   * The deliveries an ACK/NACK of `ackId` covers: just that one for `client-individual`, it and
   * every earlier one for `client` (cumulative). Empty when `ackId` is not pending.
   */
  covered(ackId: string): BrokerDelivery[] {
    const target = this.unacked.get(ackId);
    if (target === undefined) return [];
    if (this.ackMode !== 'client') return [target];
    const out: BrokerDelivery[] = [];
    for (const delivery of this.unacked.values()) {
      out.push(delivery);
      if (delivery === target) break;
    }
    return out;
  }
}
