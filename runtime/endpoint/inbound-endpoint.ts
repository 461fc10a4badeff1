/**
 * Inbound endpoints: broker → target web service. Each delivery: drop it when its id was
 * delivered before; else `put` → record the id as delivered (synced) → ack. A failed `put` is
 * nacked after a delay that grows with the delivery count; after `maxDeliveries` the message is
 * published (with confirmation) to the dead-letter destination with the reason, then acked.
 */
import type {
  Destination,
  InboundMessage,
  MessageHeaders,
  Subscription,
} from '../../transports/index.js';
import { defaultMaxListeners, setMaxListeners } from 'node:events';
import { Backoff } from '../../util/index.js';
import { checkBackoff } from '../backoff-option.js';
import { delay } from '../delay.js';
import { AbortedError, OptionError } from '../errors.js';
import { overrides } from './overrides.js';
import { RecordTrail } from './record-trail.js';
import type { EndpointQueues } from './progress.js';
import { decodeJson, type JsonValue } from '../json.js';
import { DEFAULT_DEDUP_MAX_AGE_MS, DEFAULT_DEDUP_MAX_ENTRIES } from '../store/delivered-store.js';
import { openDeliveryRecords } from '../store/open-delivery-records.js';
import type { InboundRecords } from '../store/inbound-records.js';
import { checkConcurrency, prefetchFor } from './prefetch.js';
import { deadLetterHeaders, defaultDeadLetter } from './dead-letter.js';
import { isRefusal } from './refusal.js';
import { POPPED_AT_HEADER } from './outbound-endpoint.js';
import { DeliveryAttempts } from './delivery-attempts.js';
import { DeliveryScheduler, StoppingError, type Pending } from './delivery-scheduler.js';
import {
  Endpoint,
  positiveInteger,
  positiveMs,
  type CallContext,
  type EndpointOptions,
  type RetryOptions,
} from './endpoint.js';

/** Unacknowledged messages the broker may hand this endpoint at once. */
export const DEFAULT_PREFETCH = 1;
/** Messages per `putMany` call; 1 calls `put` for each message. */
export const DEFAULT_INBOUND_BATCH_SIZE = 1;
/** Puts in flight at once; 1 keeps the queue's order at the target. */
export const DEFAULT_CONCURRENCY = 1;
/** Deliveries of one message before it is dead-lettered. */
export const DEFAULT_MAX_DELIVERIES = 5;
/** Delay before nacking a message's first failed delivery; doubles per delivery. */
export const DEFAULT_NACK_DELAY_INITIAL_MS = 200;
/** Longest delay before a nack. */
export const DEFAULT_NACK_DELAY_MAX_MS = 30_000;
/** Deadline of one dead-letter publish confirmation. */
export const DEFAULT_DEAD_LETTER_TIMEOUT_MS = 10_000;

export interface InboundEndpointOptions extends EndpointOptions {
  /** The queue (or topic) consumed. */
  readonly source: Destination;
  /**
   * Unacknowledged messages in hand at once. At least `concurrency`.
   * @defaultValue DEFAULT_PREFETCH (1: strict order to the target); with `concurrency` N > 1,
   * 2 × N, so that the next messages are at hand when a put ends while the acks of those before
   * are under way (the broker sends one only after an ack)
   */
  readonly prefetch?: number;
  /**
   * Puts in flight at once, for a target that accepts records in any order: each message is
   * checked, put, recorded and acked on its own, so they reach the target (and are acked) out of
   * queue order. De-duplication and the ack after the record stay exact. Needs `batchSize` 1.
   * @defaultValue DEFAULT_CONCURRENCY (1: one put at a time, in queue order)
   */
  readonly concurrency?: number;
  /**
   * Messages handed to `putMany` together (at most `prefetch` are in hand at once); 1 calls
   * `put` for each. @defaultValue 1
   */
  readonly batchSize?: number;
  /** @defaultValue DEFAULT_MAX_DELIVERIES */
  readonly maxDeliveries?: number;
  /** @defaultValue `/queue/dead-letter.<endpoint>` */
  readonly deadLetter?: Destination;
  /** Delay before a nack, by delivery count. @defaultValue 200 ms doubling to 30 s */
  readonly nackDelay?: RetryOptions;
  /** @defaultValue DEFAULT_DEDUP_MAX_ENTRIES */
  readonly dedupMaxEntries?: number;
  /** @defaultValue DEFAULT_DEDUP_MAX_AGE_MS */
  readonly dedupMaxAgeMs?: number;
}

/** A message handed to `put`, its JSON body decoded. */
export interface Delivery<TPayload> {
  /** `<endpoint>:<fifo id>` from the outbound side; `undefined` from producers that set none. */
  readonly messageId: string | undefined;
  readonly payload: TPayload;
  readonly headers: MessageHeaders;
  /** 1 on the first delivery. */
  readonly deliveryCount: number;
  readonly destination: Destination;
}

/** A delivery handled: `recorded` settles when it may be acked. */
interface Handled {
  readonly recorded: Promise<void>;
}

const DONE: Handled = { recorded: Promise.resolve() };

/** A delivery checked and decoded, ready for the target. */
interface Ready<TPayload> {
  readonly message: InboundMessage;
  readonly delivery: Delivery<TPayload>;
  readonly id: string | undefined;
  readonly deliveryCount: number;
}

/**
 * Subclass it and implement `put` with the target system's web-service client. Override
 * `decode` to check and type the payload (throwing dead-letters the message at once).
 */
export abstract class InboundEndpoint<TPayload = JsonValue> extends Endpoint {
  readonly source: Destination;
  readonly deadLetterDestination: Destination;
  readonly maxDeliveries: number;
  private readonly prefetch: number;
  readonly concurrency: number;
  private readonly nackDelay: Backoff;
  private readonly dedupMaxEntries: number;
  private readonly dedupMaxAgeMs: number;
  /** The put marks and the de-duplication store. */
  private records: InboundRecords | undefined;
  /**
   * Ids whose earlier put may have reached the target unseen: marked by the previous run when it
   * died, or put in this run with an outcome unknown (a timeout, a lost connection). Their next
   * put is preceded by `alreadyDelivered()` where the endpoint has it.
   */
  private readonly suspects = new Set<string>();
  private subscription: Subscription | undefined;
  readonly batchSize: number;
  /** When the deliveries in hand are handled: in order, by batch, or several at once. */
  private readonly scheduler: DeliveryScheduler;
  private readonly attempts = new DeliveryAttempts();
  /** Each record's steps: lineage events and OpenTelemetry spans. */
  private readonly trail = RecordTrail.attach(this.name, this.progress, this.clock);
  /** Deliveries being handled (put, or waiting for their sync). */
  private busy = 0;
  /** Acks waiting for their id's sync, and nacks waiting for their delay. */
  private readonly settling = new Set<Promise<void>>();

  /** The queue it consumes and the one its dead letters go to. */
  override queues(): EndpointQueues {
    return { consumes: this.source, deadLetter: this.deadLetterDestination };
  }

  constructor(options: InboundEndpointOptions) {
    super(options);
    this.source = options.source;
    this.deadLetterDestination = options.deadLetter ?? defaultDeadLetter(this.name);
    this.concurrency = positiveInteger('concurrency', options.concurrency, DEFAULT_CONCURRENCY);
    this.prefetch = positiveInteger(
      'prefetch',
      options.prefetch,
      prefetchFor(DEFAULT_PREFETCH, this.concurrency),
    );
    this.batchSize = positiveInteger('batchSize', options.batchSize, DEFAULT_INBOUND_BATCH_SIZE);
    checkConcurrency(this.name, this.concurrency, this.batchSize, this.prefetch);
    // Each message in hand may wait on the stop signals (its put, its nack delay): not a leak.
    setMaxListeners(
      Math.max(defaultMaxListeners, this.prefetch + 10),
      this.hardSignal,
      this.drainSignal,
    );
    this.maxDeliveries = positiveInteger(
      'maxDeliveries',
      options.maxDeliveries,
      DEFAULT_MAX_DELIVERIES,
    );
    const nackDelay = options.nackDelay ?? {
      initialMs: DEFAULT_NACK_DELAY_INITIAL_MS,
      maxMs: DEFAULT_NACK_DELAY_MAX_MS,
    };
    checkBackoff(nackDelay, 'nackDelay');
    this.nackDelay = new Backoff({ ...nackDelay, random: this.random });
    this.dedupMaxEntries = positiveInteger(
      'dedupMaxEntries',
      options.dedupMaxEntries,
      DEFAULT_DEDUP_MAX_ENTRIES,
    );
    this.dedupMaxAgeMs = positiveMs(
      'dedupMaxAgeMs',
      options.dedupMaxAgeMs,
      DEFAULT_DEDUP_MAX_AGE_MS,
    );
    this.scheduler = new DeliveryScheduler({
      batchSize: this.batchSize,
      concurrency: this.concurrency,
      stopping: () => this.stopRequested,
      handleOne: (pending) => this.handleOne(pending),
      handleMany: (batch) => this.handleMany(batch),
    });
  }

  /**
   * Calls the target web service with one message. Resolving means the target accepted it (the
   * message is then acked); rejecting nacks it. `delivery.messageId` lets a target that can
   * check ids make the call idempotent.
   */
  protected abstract put(delivery: Delivery<TPayload>, context: CallContext): Promise<void>;

  /**
   * Batch mode (`batchSize` > 1): calls the target once with several messages, in queue order.
   * Resolving acks them all; rejecting falls back to `put` for each (so that one bad message
   * cannot hold back the others). It should be all-or-nothing at the target, or idempotent by
   * message id: after a failure the messages are put again one by one.
   */
  protected putMany(
    _deliveries: readonly Delivery<TPayload>[],
    _context: CallContext,
  ): Promise<void> {
    return Promise.reject(
      new OptionError('batchSize', `${this.name}: batch mode needs putMany() to be implemented`),
    );
  }

  /**
   * Optional: asks the target whether it already holds `messageId`, with the target's own lookup
   * operation. It is called only for a message whose earlier put may have reached the target
   * without the endpoint seeing the answer (the endpoint died after the call, or the answer was
   * lost); resolving `true` records and acks it without a put — exactly once at the target —
   * and `false` puts it. Without it, such a message is put again and counted as a possible
   * duplicate (`possibleDuplicates`, and a log line naming the id).
   */
  protected alreadyDelivered?(messageId: string, context: CallContext): Promise<boolean>;

  /** Turns the decoded JSON body into the payload type; throw to dead-letter the message. */
  protected decode(value: JsonValue): TPayload {
    return value as TPayload;
  }

  /** True when `messageId` was delivered and is still remembered by the de-duplication store. */
  wasDelivered(messageId: string): boolean {
    return this.records?.has(messageId) ?? false;
  }

  protected async open(): Promise<void> {
    if (this.batchSize > 1 && !overrides(this, InboundEndpoint.prototype, 'putMany')) {
      throw new OptionError(
        'batchSize',
        `${this.name}: batch mode needs putMany() to be implemented`,
      );
    }
    this.records = await openDeliveryRecords(
      {
        dataDir: this.dataDir,
        fence: this.fence,
        maxEntries: this.dedupMaxEntries,
        maxAgeMs: this.dedupMaxAgeMs,
        clock: this.clock,
      },
      { storeFailed: (error) => this.progress.error('record', error, 1) },
    );
    for (const id of this.records.leftUnrecorded()) this.suspects.add(id);
    this.progress.enter('waiting');
    this.subscription = await this.transport.subscribe(this.source, (m) => this.handle(m), {
      prefetch: this.prefetch,
      timeoutMs: this.callTimeoutMs,
      // The nack delay is this endpoint's own (nackLater); the transport adds none on top.
      redeliveryDelayMs: 0,
    });
  }

  protected async closeStores(): Promise<void> {
    await this.records?.close();
  }

  protected async run(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.drainSignal.aborted) resolve();
      else this.drainSignal.addEventListener('abort', () => resolve(), { once: true });
    });
    // Drain: the delivery in hand finishes (or the stop deadline aborts it) and every ack that
    // waits for its sync is sent, then unsubscribe.
    await this.scheduler.idle();
    await Promise.allSettled([...this.settling]);
    try {
      await this.subscription?.unsubscribe({ timeoutMs: this.callTimeoutMs });
    } finally {
      this.scheduler.refuseHeld(new StoppingError(`${this.name} is stopping`));
    }
  }

  private handle(message: InboundMessage): Promise<void> {
    this.progress.count('received');
    const id = message.messageId;
    if (id === undefined || this.records === undefined) return this.scheduler.add(message);
    const records = this.records;
    records.markAhead(id);
    const settled = this.scheduler.add(message);
    const withdraw = (): void => records.withdraw(id);
    void settled.then(withdraw, withdraw);
    return settled;
  }

  private async handleOne(pending: Pending): Promise<void> {
    this.busy += 1;
    const deliveryCount = this.attempts.countOf(pending.message);
    let handled: Handled;
    try {
      handled = await this.process(pending.message);
    } catch (err) {
      this.nackLater(pending, err, deliveryCount);
      return;
    }
    this.ackWhenRecorded(pending, handled.recorded, deliveryCount);
  }

  /** Batch mode: check each, one `putMany` for those ready, one commit for their ids. */
  private async handleMany(batch: readonly Pending[]): Promise<void> {
    const ready: { pending: Pending; ready: Ready<TPayload> }[] = [];
    for (const pending of batch) {
      this.busy += 1;
      const deliveryCount = this.attempts.countOf(pending.message);
      try {
        const checked = await this.check(pending.message);
        if ('recorded' in checked) this.ackWhenRecorded(pending, checked.recorded, deliveryCount);
        else ready.push({ pending, ready: checked });
      } catch (err) {
        this.nackLater(pending, err, deliveryCount);
      }
    }
    // A message whose earlier put may have reached the target is checked on its own first.
    await this.deliverEach(ready.filter((r) => this.isSuspect(r.ready.id)));
    const clear = ready.filter((r) => !this.isSuspect(r.ready.id));
    if (clear.length === 0) return;
    await this.putBatch(clear);
  }

  /** Batch mode's messages one at a time, as `put` alone would take them. */
  private async deliverEach(batch: readonly { pending: Pending; ready: Ready<TPayload> }[]) {
    for (const { pending, ready: one } of batch) {
      try {
        this.ackWhenRecorded(pending, (await this.deliver(one)).recorded, one.deliveryCount);
      } catch (error) {
        this.nackLater(pending, error, one.deliveryCount);
      }
    }
  }

  /** One `putMany` for messages none of which may be at the target already. */
  private async putBatch(ready: readonly { pending: Pending; ready: Ready<TPayload> }[]) {
    const ids = ready.flatMap((r) => (r.ready.id === undefined ? [] : [r.ready.id]));
    try {
      if (ids.length > 0) await this.markPutting(ids);
      await this.call(
        'putMany',
        (context) =>
          this.putMany(
            ready.map((r) => r.ready.delivery),
            context,
          ),
        { step: 'put', ids },
      );
    } catch (err) {
      this.progress.error('put', err instanceof Error ? err : new Error(String(err)), 1);
      // Unless the target refused the batch, some of it may be there: look before putting again.
      if (!isRefusal(err)) for (const id of ids) this.suspects.add(id);
      else for (const id of ids) this.records?.unmark(id);
      // One by one: a bad message is nacked or dead-lettered alone.
      await this.deliverEach(ready);
      return;
    }
    this.progress.count('delivered', ready.length);
    for (const { ready: one } of ready) this.observeLatency(one);
    for (const id of ids) this.suspects.delete(id);
    const recorded = this.record(ids);
    for (const { pending, ready: one } of ready) {
      this.ackWhenRecorded(pending, recorded, one.deliveryCount);
    }
  }

  private nack(pending: Pending, error: unknown): void {
    this.progress.count('nacked');
    pending.settle.reject(error);
    this.settled();
  }

  /**
   * Nacks a failed delivery once its nack delay (by its delivery count) has passed, or at once
   * when the endpoint stops. This delay is the only one: the subscription asks the transport for
   * none of its own. The worker does not wait for it: with prefetch 1 nothing else is in hand
   * (the broker sends the next message after this one is settled, so order holds); with a larger
   * prefetch the messages behind a failing one go on to the target meanwhile.
   */
  private nackLater(pending: Pending, error: unknown, deliveryCount: number): void {
    const id = pending.message.messageId;
    this.progress.enter('nack-delay', id === undefined ? undefined : [id]);
    const waitMs = this.nackDelay.delayFor(deliveryCount);
    const nacked = delay(this.clock, waitMs, this.drainSignal)
      .catch(() => undefined)
      .then(() => this.nack(pending, error));
    this.track(nacked);
  }

  /**
   * Acks once `recorded` resolves (nacks, after the nack delay, if it rejects). Meanwhile the
   * worker goes on: with prefetch > 1 the next message is put while this one's id is synced, and
   * the syncs of several messages share one commit.
   */
  private ackWhenRecorded(pending: Pending, recorded: Promise<void>, deliveryCount: number): void {
    this.track(
      recorded.then(
        () => {
          this.progress.count('acked');
          pending.settle.resolve();
          this.settled();
        },
        (err: unknown) => this.nackLater(pending, err, deliveryCount),
      ),
    );
  }

  /** A settlement in progress: the drain waits for it before unsubscribing. */
  private track(settlement: Promise<void>): void {
    this.settling.add(settlement);
    void settlement.finally(() => this.settling.delete(settlement));
  }

  /** One delivery was acked or nacked; back to `waiting` when none is left in hand. */
  private settled(): void {
    this.busy -= 1;
    if (this.busy === 0 && !this.stopRequested) this.progress.enter('waiting');
  }

  /** Handles one delivery; `recorded` settles when it may be acked. Rejecting nacks it. */
  private async process(message: InboundMessage): Promise<Handled> {
    const checked = await this.check(message);
    return 'recorded' in checked ? checked : this.deliver(checked);
  }

  /**
   * What needs no target call: a copy already delivered (dropped), a body that does not decode
   * or a message out of deliveries (dead-lettered). Otherwise the delivery, ready to put.
   */
  private async check(message: InboundMessage): Promise<Handled | Ready<TPayload>> {
    const id = message.messageId;
    const deliveryCount = this.attempts.countOf(message);
    this.trail.received(message, deliveryCount);
    const records = this.records as InboundRecords;
    // Shared with other nodes' instances: the ledger decides the id first (a copy another one
    // delivered, or one whose put another began before its node died: a suspect).
    if (id !== undefined && (await records.admit(id)) === 'suspect') this.suspects.add(id);
    // A copy of a delivered message is dropped before anything else looks at it (also while
    // the first copy's id is still being synced).
    if (id !== undefined && records.has(id)) {
      this.progress.count('deduplicated');
      this.trail.duplicate(id);
      this.attempts.forget(id);
      return DONE;
    }
    let payload: TPayload;
    try {
      payload = this.decode(decodeJson(message.body));
    } catch (err) {
      await this.deadLetter(message, `bad payload: ${(err as Error).message}`, deliveryCount);
      return DONE;
    }
    if (deliveryCount > this.maxDeliveries) {
      // Exhausted before, and the dead-letter publish failed then: do not call the target again.
      await this.deadLetter(message, 'too many deliveries', deliveryCount);
      return DONE;
    }
    const delivery: Delivery<TPayload> = {
      messageId: id,
      payload,
      headers: message.headers,
      deliveryCount,
      destination: message.destination,
    };
    return { message, delivery, id, deliveryCount };
  }

  /** `put`, then its id recorded; a failure dead-letters it when out of deliveries, else rejects (nacked after the delay). */
  private async deliver(ready: Ready<TPayload>): Promise<Handled> {
    const { message, id, deliveryCount } = ready;
    const ids = id === undefined ? undefined : [id];
    try {
      if (id !== undefined && this.suspects.has(id)) {
        if (await this.heldByTarget(id)) {
          this.suspects.delete(id);
          this.progress.count('confirmedDelivered', 1, [id]);
          return { recorded: this.record([id]) };
        }
      }
      if (ids !== undefined) await this.markPutting(ids);
      await this.call(
        'put',
        (context) => this.put(ready.delivery, context),
        ids === undefined ? { step: 'put' } : { step: 'put', ids },
      );
    } catch (err) {
      // Unless the target answered no, the put may have reached it: look before the next one.
      if (id !== undefined && !isRefusal(err)) this.suspects.add(id);
      else if (id !== undefined) this.records?.unmark(id);
      const error = err instanceof Error ? err : new Error(String(err));
      this.progress.error('put', error, deliveryCount);
      if (deliveryCount >= this.maxDeliveries && !this.hardSignal.aborted) {
        await this.deadLetter(
          message,
          `put failed ${deliveryCount} times; last: ${error.message}`,
          deliveryCount,
        );
        return DONE;
      }
      if (id !== undefined) this.attempts.remember(id, deliveryCount);
      throw error;
    }
    this.progress.count('delivered');
    this.observeLatency(ready);
    if (id !== undefined) this.suspects.delete(id);
    return { recorded: id === undefined ? Promise.resolve() : this.record([id]) };
  }

  /** Pop to acceptance, for a message that says when it was popped (`aes-popped-at`). */
  private observeLatency(ready: Ready<TPayload>): void {
    const raw = ready.message.headers[POPPED_AT_HEADER];
    const poppedAt = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
    if (poppedAt === undefined) return;
    this.progress.latency(
      this.clock.now() - poppedAt,
      ready.id === undefined ? undefined : [ready.id],
    );
  }

  /** Marks `ids` as being put, with every other id still in flight; resolves once synced. */
  private markPutting(ids: readonly string[]): Promise<void> {
    return (this.records as InboundRecords).markPutting(ids);
  }

  private lookUp(id: string, context: CallContext): Promise<boolean> {
    return this.alreadyDelivered?.(id, context) ?? Promise.resolve(false);
  }

  private isSuspect(id: string | undefined): boolean {
    return id !== undefined && this.suspects.has(id);
  }

  /**
   * Whether the target holds `id` already, by `alreadyDelivered()`; false without it (the
   * message is then put again, counted as a possible duplicate).
   */
  private async heldByTarget(id: string): Promise<boolean> {
    if (this.alreadyDelivered === undefined) {
      this.progress.count('possibleDuplicates', 1, [id]);
      return false;
    }
    return this.call('alreadyDelivered', (context) => this.lookUp(id, context), {
      step: 'lookup',
      ids: [id],
    });
  }

  /** Records ids as delivered; resolves once synced (durable before the ack). */
  private record(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    this.progress.enter('record', ids);
    return (this.records as InboundRecords).record(ids).then(() => {
      for (const id of ids) this.attempts.forget(id);
      this.trail.delivered(ids);
      this.progress.enter('ack', ids);
    });
  }

  /** Publishes to the dead-letter destination (resolving once confirmed); the caller then acks. */
  private async deadLetter(
    message: InboundMessage,
    reason: string,
    deliveryCount: number,
  ): Promise<void> {
    const id = message.messageId;
    this.progress.enter('dead-letter', id === undefined ? undefined : [id]);
    const headers = deadLetterHeaders(message, {
      reason,
      endpoint: this.name,
      atMs: this.clock.now(),
      deliveryCount,
    });
    try {
      await this.transport.publish(
        this.deadLetterDestination,
        message.body,
        id === undefined
          ? { headers, timeoutMs: DEFAULT_DEAD_LETTER_TIMEOUT_MS, signal: this.hardSignal }
          : {
              headers,
              messageId: id,
              timeoutMs: DEFAULT_DEAD_LETTER_TIMEOUT_MS,
              signal: this.hardSignal,
            },
      );
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.progress.error('dead-letter', error, deliveryCount);
      if (id !== undefined) this.attempts.remember(id, deliveryCount);
      throw err instanceof AbortedError ? err : error;
    }
    this.progress.count('deadLettered');
    this.trail.deadLettered(id, reason, this.deadLetterDestination);
    if (id !== undefined) {
      this.attempts.forget(id);
      this.records?.unmark(id);
    }
    this.progress.enter('ack', id === undefined ? undefined : [id]);
  }
}
