/**
 * An in-process broker for unit tests: queues with competing consumers and round-robin dispatch,
 * topics with fan-out, prefetch windows, ack / nack with redelivery and delivery counts.
 * Hubs are named; `memory://<name>` transports of one process share the hub of that name.
 */
import { MESSAGE_ID_HEADER } from '../transport.js';
import type { Destination, MessageHandler, MessageHeaders } from '../transport.js';
import { parseDestination } from '../destination.js';

interface StoredMessage {
  readonly destination: Destination;
  readonly body: Buffer;
  readonly headers: MessageHeaders;
  deliveries: number;
}

/** One subscription's view of the hub. */
export interface HubConsumer {
  readonly destination: Destination;
  readonly prefetch: number;
  readonly handler: MessageHandler;
  /** Set when the consumer is removed; its unsettled messages have gone back to the queue. */
  closed: boolean;
  /** Messages delivered and not yet settled. */
  readonly inFlight: Set<StoredMessage>;
}

interface QueueState {
  readonly messages: StoredMessage[];
  readonly consumers: HubConsumer[];
  next: number;
}

export class MemoryHub {
  private readonly queues = new Map<string, QueueState>();
  /** Each topic subscriber reads from a private queue. */
  private readonly topicSubscribers = new Map<string, Map<HubConsumer, QueueState>>();

  /** Stores a message: on a queue, or a copy for every current subscriber of a topic. */
  enqueue(destination: Destination, body: Buffer, headers: MessageHeaders): void {
    const { kind } = parseDestination(destination);
    if (kind === 'queue') {
      const queue = this.queue(destination);
      queue.messages.push({ destination, body, headers, deliveries: 0 });
      this.schedule(queue);
      return;
    }
    for (const queue of this.topicSubscribers.get(destination)?.values() ?? []) {
      queue.messages.push({ destination, body, headers, deliveries: 0 });
      this.schedule(queue);
    }
  }

  addConsumer(destination: Destination, handler: MessageHandler, prefetch: number): HubConsumer {
    const consumer: HubConsumer = {
      destination,
      prefetch,
      handler,
      closed: false,
      inFlight: new Set(),
    };
    const { kind } = parseDestination(destination);
    let queue: QueueState;
    if (kind === 'queue') {
      queue = this.queue(destination);
    } else {
      queue = { messages: [], consumers: [], next: 0 };
      let subscribers = this.topicSubscribers.get(destination);
      if (subscribers === undefined) {
        subscribers = new Map();
        this.topicSubscribers.set(destination, subscribers);
      }
      subscribers.set(consumer, queue);
    }
    queue.consumers.push(consumer);
    this.schedule(queue);
    return consumer;
  }

  /** Removes a consumer; its unacknowledged messages return to the head of the queue. */
  removeConsumer(consumer: HubConsumer): void {
    if (consumer.closed) return;
    consumer.closed = true;
    const { kind } = parseDestination(consumer.destination);
    const queue =
      kind === 'queue'
        ? this.queue(consumer.destination)
        : this.topicSubscribers.get(consumer.destination)?.get(consumer);
    if (kind === 'topic') this.topicSubscribers.get(consumer.destination)?.delete(consumer);
    if (queue === undefined) return;
    const index = queue.consumers.indexOf(consumer);
    if (index >= 0) queue.consumers.splice(index, 1);
    if (kind === 'queue') queue.messages.unshift(...consumer.inFlight);
    consumer.inFlight.clear();
    this.schedule(queue);
  }

  /** Messages waiting on a queue (not counting those delivered and unacknowledged). */
  depth(destination: Destination): number {
    return this.queues.get(destination)?.messages.length ?? 0;
  }

  private queue(destination: Destination): QueueState {
    let queue = this.queues.get(destination);
    if (queue === undefined) {
      queue = { messages: [], consumers: [], next: 0 };
      this.queues.set(destination, queue);
    }
    return queue;
  }

  /** Dispatch runs on a later turn, as a network broker's would. */
  private schedule(queue: QueueState): void {
    setImmediate(() => this.dispatch(queue));
  }

  private dispatch(queue: QueueState): void {
    while (queue.messages.length > 0) {
      const consumer = this.nextConsumer(queue);
      if (consumer === undefined) return;
      const message = queue.messages.shift() as StoredMessage;
      message.deliveries += 1;
      consumer.inFlight.add(message);
      this.deliver(queue, consumer, message);
    }
  }

  private nextConsumer(queue: QueueState): HubConsumer | undefined {
    const count = queue.consumers.length;
    for (let i = 0; i < count; i += 1) {
      const consumer = queue.consumers[(queue.next + i) % count] as HubConsumer;
      if (consumer.inFlight.size < consumer.prefetch) {
        queue.next = (queue.next + i + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  private deliver(queue: QueueState, consumer: HubConsumer, message: StoredMessage): void {
    const settle = (acked: boolean) => {
      // A consumer removed meanwhile has already returned the message to the queue.
      if (consumer.closed || !consumer.inFlight.delete(message)) return;
      if (!acked) queue.messages.unshift(message);
      this.schedule(queue);
    };
    const headers = message.headers;
    let result: Promise<void>;
    try {
      result = consumer.handler({
        destination: message.destination,
        body: message.body,
        headers,
        messageId: headers[MESSAGE_ID_HEADER],
        deliveryCount: message.deliveries,
        redelivered: message.deliveries > 1,
      });
    } catch {
      settle(false);
      return;
    }
    result.then(
      () => settle(true),
      () => settle(false),
    );
  }
}

const hubs = new Map<string, MemoryHub>();

/** The process-wide hub of that name, created on first use. */
export function memoryHub(name: string): MemoryHub {
  let hub = hubs.get(name);
  if (hub === undefined) {
    hub = new MemoryHub();
    hubs.set(name, hub);
  }
  return hub;
}
