/**
 * Routes messages between connections and destinations: queues (stored, one consumer each,
 * round robin) and topics (fan-out to current subscribers, not stored). Owns the store, the
 * sequence counter and dead-lettering.
 */
import { debuglog } from 'node:util';
import {
  Queue,
  type QueueHost,
  type QueuedMessage,
  type QueueStats,
  type ReturnReason,
} from './queue.js';
import type { BrokerDelivery, BrokerSubscription } from './subscription.js';
import type { MessageStore } from './store.js';
import type { StoredRecord } from './record.js';
import type { JournalDone as StoreDone } from './journal.js';
import type { HeaderList, StompFrame } from './frame.js';
import { StompProtocolError } from './errors.js';
import type { QuarantinedRecord } from './quarantine.js';
import { firstLine, requireHeader } from './handshake.js';

const debug = debuglog('aes-broker');
/**
 * Set on every message an aes inbound endpoint dead-letters (runtime/endpoint/dead-letter.ts):
 * such a message is never dead-lettered again, wherever it sits.
 */
const ENDPOINT_DEAD_LETTER_HEADER = 'aes-dead-letter-at';

export const QUEUE_PREFIX = '/queue/';
export const TOPIC_PREFIX = '/topic/';

/** A SEND buffered in a transaction. */
export interface PendingSend {
  readonly destination: string;
  readonly headers: HeaderList;
  readonly body: Buffer;
}

/** Longest destination accepted (it is part of every stored key). */
export const MAX_DESTINATION_LENGTH = 512;

/** Whether `destination` names a queue or a topic this broker serves. */
export function destinationKind(destination: string): 'queue' | 'topic' | undefined {
  // Control characters could not be written to a STOMP 1.0 subscriber.
  if (destination.length > MAX_DESTINATION_LENGTH || /[\x00-\x1f]/.test(destination)) {
    return undefined;
  }
  if (destination.startsWith(QUEUE_PREFIX) && destination.length > QUEUE_PREFIX.length) {
    return 'queue';
  }
  if (destination.startsWith(TOPIC_PREFIX) && destination.length > TOPIC_PREFIX.length) {
    return 'topic';
  }
  return undefined;
}

/** The `destination` header of a SEND or SUBSCRIBE, refused unless this broker serves it. */
export function requireDestination(frame: StompFrame): string {
  const destination = requireHeader(frame, 'destination');
  if (destinationKind(destination) === undefined) {
    throw new StompProtocolError(
      `unsupported destination '${firstLine(destination)}': use /queue/<name> or /topic/<name> (printable, at most ${MAX_DESTINATION_LENGTH} characters)`,
    );
  }
  return destination;
}

export interface RouterOptions {
  readonly maxDeliveries: number;
  readonly deadLetterSuffix: string;
  /** Told of every queued message that could not be read for delivery; must not throw. */
  readonly onUnreadable?: (event: UnreadableMessage) => void;
}

/**
 * A queued message the store could not give back for delivery: a corrupt record, or one that
 * is not there. It leaves the queue's memory (it would fail again at every dispatch); a stored
 * record stays stored, and a restart loads it again.
 */
export interface UnreadableMessage {
  readonly destination: string;
  readonly seq: number;
  /**
   * Its `message-id`, when this run delivered it before; a message not yet delivered is only a
   * sequence number in memory (its id is in the record that could not be read).
   */
  readonly messageId?: string;
  /** What went wrong, for the log. */
  readonly reason: string;
  /** The record was corrupt and has been set aside (it is no longer stored). */
  readonly setAside?: QuarantinedRecord;
}

export class Router implements QueueHost<BrokerSubscription> {
  readonly #store: MessageStore;
  readonly #options: RouterOptions;
  readonly #queues = new Map<string, Queue<BrokerSubscription>>();
  readonly #topics = new Map<string, Set<BrokerSubscription>>();
  /** Distinguishes message ids minted by this run from those of earlier runs. */
  readonly #runId = Date.now().toString(36);
  #seq: number;
  #topicSeq = 0;
  #open = true;
  /**
   * Deliveries that came back while the store was not readable (its LMDB map being released):
   * returning one may read its record (delivery count, dead-lettering), so it waits.
   */
  #returns: { queue: Queue<BrokerSubscription>; message: QueuedMessage; reason: ReturnReason }[] =
    [];

  constructor(store: MessageStore, options: RouterOptions) {
    this.#store = store;
    this.#options = options;
    let loaded = 0;
    for (const [destination, seqs] of store.storedSeqs()) {
      this.#queue(destination).load(seqs);
      loaded += seqs.size;
    }
    this.#seq = store.maxSeq();
    debug('router: loaded %d stored messages, next seq %d', loaded, this.#seq + 1);
    store.onReadable = () => this.#readable();
  }

  get maxDeliveries(): number {
    return this.#options.maxDeliveries;
  }

  /** False while closing, and while the store cannot be read (no record can be delivered). */
  isDispatching(): boolean {
    return this.#open && this.#store.readable;
  }

  /** The store serves reads again: returns that waited, then every queue dispatches. */
  #readable(): void {
    const returns = this.#returns;
    this.#returns = [];
    const step = (queue: Queue<BrokerSubscription>, run: () => void): void => {
      try {
        run();
      } catch (err) {
        // A consumer's write failing must not keep the other queues from dispatching.
        debug('router: dispatching %s failed: %O', queue.name, err);
      }
    };
    for (const r of returns) step(r.queue, () => r.queue.returnMessage(r.message, r.reason));
    for (const queue of this.#queues.values()) step(queue, () => queue.dispatch());
  }

  /** Stops dispatching (the broker is closing). */
  stop(): void {
    this.#open = false;
  }

  /** Depth of every queue that has messages waiting or consumers. */
  queueDepths(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, queue] of this.#queues) out[name] = queue.depth;
    return out;
  }

  /** Depth, consumers and counters of every queue. */
  queueStats(): Record<string, QueueStats> {
    const out: Record<string, QueueStats> = {};
    for (const [name, queue] of this.#queues) out[name] = queue.stats();
    return out;
  }

  /**
   * Routes one SEND; `done` follows its outcome. For a queue, `done(undefined)` comes once the
   * message is fsynced (and it is then available to consumers); for a topic, once it has been
   * handed to current subscribers. Callbacks, not promises: this runs for every message.
   */
  send(destination: string, headers: HeaderList, body: Buffer, done: StoreDone): void {
    if (destinationKind(destination) === 'topic') {
      this.#publishTopic(destination, headers, body);
      done(undefined);
      return;
    }
    const seq = this.#nextSeq();
    const messageId = this.#messageId(seq);
    const record: StoredRecord = { messageId, deliveries: 0, headers, body };
    this.#store.put(destination, seq, record, (err) => {
      if (err !== undefined) {
        done(err);
        return;
      }
      try {
        this.#queue(destination).enqueue(seq);
      } catch (dispatchErr) {
        // Stored: a dispatch failure (a consumer's write) must not lose the sender's receipt.
        debug('router: dispatching %s#%d failed: %O', destination, seq, dispatchErr);
      }
      done(undefined);
    });
  }

  /**
   * Commits a STOMP transaction: its queue SENDs and its ACKs go to the store in one atomic,
   * fsynced write; then messages become visible, topic SENDs go out and NACKs are applied.
   */
  async commit(
    sends: readonly PendingSend[],
    acks: ReadonlyArray<{
      subscription: BrokerSubscription;
      deliveries: readonly BrokerDelivery[];
    }>,
    nacks: ReadonlyArray<{
      subscription: BrokerSubscription;
      deliveries: readonly BrokerDelivery[];
    }>,
  ): Promise<void> {
    const puts: { destination: string; seq: number; record: StoredRecord }[] = [];
    for (const s of sends) {
      if (destinationKind(s.destination) !== 'queue') continue;
      const seq = this.#nextSeq();
      puts.push({
        destination: s.destination,
        seq,
        record: {
          messageId: this.#messageId(seq),
          deliveries: 0,
          headers: s.headers,
          body: s.body,
        },
      });
    }
    const removes: { destination: string; seq: number }[] = [];
    const touched = new Set<Queue<BrokerSubscription>>();
    for (const { subscription, deliveries } of acks) {
      for (const d of deliveries) {
        if (!subscription.untrack(d)) continue;
        if (d.queue !== undefined && d.message !== undefined) {
          removes.push({ destination: d.queue.name, seq: d.message.seq });
          touched.add(d.queue);
        }
      }
    }
    try {
      await this.#store.batch(puts, removes);
    } finally {
      for (const queue of touched) queue.dispatch();
    }
    for (const p of puts) this.#queue(p.destination).enqueue(p.seq);
    for (const s of sends) {
      if (destinationKind(s.destination) === 'topic') {
        this.#publishTopic(s.destination, s.headers, s.body);
      }
    }
    for (const { subscription, deliveries } of nacks) this.nack(subscription, deliveries);
  }

  /** Acknowledges deliveries; `done` follows the fsync of their deletion. */
  ack(
    subscription: BrokerSubscription,
    deliveries: readonly BrokerDelivery[],
    done: StoreDone,
  ): void {
    const removes: { destination: string; seq: number }[] = [];
    const touched = new Set<Queue<BrokerSubscription>>();
    for (const d of deliveries) {
      if (!subscription.untrack(d)) continue;
      if (d.queue !== undefined && d.message !== undefined) {
        removes.push({ destination: d.queue.name, seq: d.message.seq });
        d.queue.counts.dequeued += 1;
        touched.add(d.queue);
      }
    }
    // The window opened now; a crash before the delete is synced means a redelivery.
    for (const queue of touched) queue.dispatch();
    const [only] = removes;
    if (removes.length === 1 && only !== undefined) {
      this.#store.delete(only.destination, only.seq, done);
    } else if (removes.length > 0) {
      this.#store.batch([], removes).then(() => done(undefined), done);
    } else {
      done(undefined);
    }
  }

  /** Returns deliveries to their queues (redelivery or dead-lettering); topic ones are dropped. */
  nack(subscription: BrokerSubscription, deliveries: readonly BrokerDelivery[]): void {
    this.#returnAll(subscription, deliveries, 'nack');
  }

  subscribe(subscription: BrokerSubscription): void {
    if (destinationKind(subscription.destination) === 'topic') {
      let subs = this.#topics.get(subscription.destination);
      if (subs === undefined) {
        subs = new Set();
        this.#topics.set(subscription.destination, subs);
      }
      subs.add(subscription);
      return;
    }
    this.#queue(subscription.destination).addConsumer(subscription);
  }

  /** Removes a subscription; its unacked queue messages go back for redelivery. */
  unsubscribe(subscription: BrokerSubscription): void {
    if (destinationKind(subscription.destination) === 'topic') {
      const subs = this.#topics.get(subscription.destination);
      subs?.delete(subscription);
      if (subs?.size === 0) this.#topics.delete(subscription.destination);
      subscription.unacked.clear();
      subscription.ackIdByMessageId.clear();
      return;
    }
    const queue = this.#queues.get(subscription.destination);
    queue?.removeConsumer(subscription);
    this.#returnAll(subscription, [...subscription.unacked.values()], 'consumer-gone');
  }

  /** A connection's output drained: let its queues dispatch to it again. */
  writable(subscriptions: Iterable<BrokerSubscription>): void {
    for (const s of subscriptions) this.#queues.get(s.destination)?.dispatch();
  }

  // QueueHost

  deliver(
    subscription: BrokerSubscription,
    queue: Queue<BrokerSubscription>,
    seq: number,
    returned: QueuedMessage | undefined,
  ): void {
    let record: StoredRecord | undefined;
    try {
      record = this.#store.read(queue.name, seq);
    } catch (err) {
      // A corrupt record must not fail whichever connection triggered this dispatch. The store
      // set it aside (quarantine/); it leaves the in-memory queue.
      debug('router: cannot read %s#%d, skipping it: %O', queue.name, seq, err);
      const setAside = this.#store
        .quarantined()
        .findLast((q) => q.messages.some((m) => m.destination === queue.name && m.seq === seq));
      this.#unreadable(queue, seq, returned, `cannot be read: ${(err as Error).message}`, setAside);
      return;
    }
    if (record === undefined) {
      debug('router: %s#%d vanished from the store before delivery', queue.name, seq);
      this.#unreadable(queue, seq, returned, 'is not in the store', undefined);
      return;
    }
    // Its id and count come from its record unless this run delivered it already: a returned
    // message's new count may not be fsynced (so readable) yet.
    const message: QueuedMessage = returned ?? {
      seq,
      messageId: record.messageId,
      deliveries: record.deliveries,
    };
    message.deliveries += 1;
    subscription.connection.sendMessage(subscription, {
      messageId: message.messageId,
      destination: queue.name,
      headers: record.headers,
      body: record.body,
      deliveries: message.deliveries,
      queue,
      queued: message,
    });
    if (subscription.ackMode === 'auto') {
      queue.counts.dequeued += 1;
      this.#store.delete(queue.name, seq, (err) => {
        if (err !== undefined) {
          debug('router: delete of auto-acked %s#%d failed: %O', queue.name, seq, err);
        }
      });
    }
  }

  #unreadable(
    queue: Queue<BrokerSubscription>,
    seq: number,
    returned: QueuedMessage | undefined,
    reason: string,
    setAside: QuarantinedRecord | undefined,
  ): void {
    // `onUnreadable` must not throw (the broker's fan-out catches its listeners' errors).
    this.#options.onUnreadable?.({
      destination: queue.name,
      seq,
      ...(returned === undefined ? {} : { messageId: returned.messageId }),
      reason,
      ...(setAside === undefined ? {} : { setAside }),
    });
  }

  deadLetter(
    queue: Queue<BrokerSubscription>,
    message: QueuedMessage,
    reason: ReturnReason,
  ): boolean {
    const record = this.#store.read(queue.name, message.seq);
    if (record === undefined) return true;
    // An aes endpoint's dead letter sits in a queue the broker cannot tell from others
    // (`/queue/dead-letter.<endpoint>`); browsing it (`aes dlq`) returns it unacked each time.
    if (record.headers.some(([name]) => name === ENDPOINT_DEAD_LETTER_HEADER)) return false;
    const target = `${queue.name}${this.#options.deadLetterSuffix}`;
    const seq = this.#nextSeq();
    const headers: (readonly [string, string])[] = record.headers.filter(
      ([name]) => !name.startsWith('x-dead-letter-') && !name.startsWith('x-original-'),
    );
    headers.push(
      ['x-dead-letter-reason', reason === 'nack' ? 'rejected' : 'consumer-lost'],
      [
        'x-dead-letter-detail',
        `delivered ${message.deliveries} times (limit ${this.#options.maxDeliveries})`,
      ],
      ['x-original-destination', queue.name],
      ['x-original-message-id', message.messageId],
      ['x-delivery-count', String(message.deliveries)],
      ['x-dead-lettered-at', new Date().toISOString()],
    );
    const moved: StoredRecord = {
      messageId: this.#messageId(seq),
      deliveries: 0,
      headers,
      body: record.body,
    };
    debug('router: dead-lettering %s#%d to %s (%s)', queue.name, message.seq, target, reason);
    this.#store
      .batch(
        [{ destination: target, seq, record: moved }],
        [{ destination: queue.name, seq: message.seq }],
      )
      .then(
        () => this.#queue(target).enqueue(seq),
        (err: unknown) => {
          // Not moved: keep it where it was, still redeliverable.
          debug('router: dead-lettering %s#%d failed: %O', queue.name, message.seq, err);
          queue.requeue(message);
        },
      );
    return true;
  }

  persistDeliveries(queue: Queue<BrokerSubscription>, message: QueuedMessage): void {
    const record = this.#store.read(queue.name, message.seq);
    if (record === undefined) return;
    this.#store
      .update(queue.name, message.seq, { ...record, deliveries: message.deliveries })
      .catch((err: unknown) => {
        debug(
          'router: persisting delivery count of %s#%d failed: %O',
          queue.name,
          message.seq,
          err,
        );
      });
  }

  #returnAll(
    subscription: BrokerSubscription,
    deliveries: readonly BrokerDelivery[],
    reason: ReturnReason,
  ): void {
    for (const d of deliveries) {
      if (!subscription.untrack(d)) continue;
      if (d.queue === undefined || d.message === undefined) continue;
      if (this.#store.readable) d.queue.returnMessage(d.message, reason);
      else this.#returns.push({ queue: d.queue, message: d.message, reason });
    }
  }

  #publishTopic(destination: string, headers: HeaderList, body: Buffer): void {
    const subs = this.#topics.get(destination);
    if (subs === undefined) return;
    this.#topicSeq += 1;
    const messageId = `${this.#runId}-t${this.#topicSeq}`;
    for (const subscription of [...subs]) {
      if (!subscription.connection.isWritable()) {
        subscription.connection.failSlowConsumer(subscription);
        continue;
      }
      subscription.connection.sendMessage(subscription, {
        messageId,
        destination,
        headers,
        body,
        deliveries: 1,
        queue: undefined,
        queued: undefined,
      });
    }
  }

  #queue(name: string): Queue<BrokerSubscription> {
    let queue = this.#queues.get(name);
    if (queue === undefined) {
      queue = new Queue(name, this, name.endsWith(this.#options.deadLetterSuffix));
      this.#queues.set(name, queue);
    }
    return queue;
  }

  #nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  #messageId(seq: number): string {
    return `${this.#runId}-${seq}`;
  }
}
