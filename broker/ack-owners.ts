/**
 * Which of a connection's subscriptions each unacknowledged delivery belongs to, and how an ACK
 * or NACK frame names a delivery in each STOMP version: by its `ack` id (1.2), by `message-id`
 * and `subscription` (1.1), or by `message-id` alone (1.0).
 */
import { StompProtocolError } from './errors.js';
import type { StompFrame, StompVersion } from './frame.js';
import { firstLine, requireHeader } from './handshake.js';
import type { BrokerDelivery, BrokerSubscription } from './subscription.js';

/** The delivery an ACK/NACK frame names. */
export interface NamedDelivery {
  readonly subscription: BrokerSubscription;
  readonly ackId: string;
}

export class AckOwners {
  /** Ack id → subscription, for ACK/NACK frames that carry only an `id`. */
  readonly #owners = new Map<string, BrokerSubscription>();

  /** A delivery awaiting its ACK/NACK. */
  add(ackId: string, subscription: BrokerSubscription): void {
    this.#owners.set(ackId, subscription);
  }

  /** Deliveries acked, nacked, abandoned or dropped with their subscription. */
  forget(deliveries: Iterable<BrokerDelivery>): void {
    for (const delivery of deliveries) this.#owners.delete(delivery.ackId);
  }

  /**
   * The pending delivery `frame` names among `subscriptions` (the connection's, by id); throws
   * a `StompProtocolError` when there is none.
   */
  find(
    frame: StompFrame,
    version: StompVersion,
    subscriptions: ReadonlyMap<string, BrokerSubscription>,
  ): NamedDelivery {
    let subscription: BrokerSubscription | undefined;
    let ackId: string | undefined;
    if (version === '1.2') {
      ackId = requireHeader(frame, 'id');
      subscription = this.#owners.get(ackId);
    } else {
      const messageId = requireHeader(frame, 'message-id');
      if (version === '1.1') {
        subscription = subscriptions.get(requireHeader(frame, 'subscription'));
        ackId = subscription?.ackIdByMessageId.get(messageId);
      } else {
        for (const s of subscriptions.values()) {
          ackId = s.ackIdByMessageId.get(messageId);
          if (ackId !== undefined) {
            subscription = s;
            break;
          }
        }
      }
    }
    if (subscription === undefined || ackId === undefined || !subscription.unacked.has(ackId)) {
      const named = frame.headers.get('id') ?? frame.headers.get('message-id') ?? '';
      throw new StompProtocolError(
        `${frame.command} of '${firstLine(named)}': no unacknowledged message with that id on this connection`,
      );
    }
    return { subscription, ackId };
  }
}
