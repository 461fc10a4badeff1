/**
 * Outbound endpoints: FIFO web service → broker. One record (or one batch) in flight:
 * take it (pop, and build in double phase) → publish with the stable id `<endpoint>:<fifo id>`
 * → the broker's confirmation → journal (synced) → `popped` (retried until it succeeds; one
 * `poppedMany` per batch when the subclass has it) → clear the journal → next. A restart that
 * finds a journal entry resumes at `popped`.
 */
import { defaultMaxListeners, setMaxListeners } from 'node:events';
import type { Destination } from '../../transports/index.js';
import { Backoff } from '../../util/index.js';
import { checkBackoff } from '../backoff-option.js';
import { delay } from '../delay.js';
import { AbortedError, BadRecordError, OptionError } from '../errors.js';
import { encodeJson, type JsonValue } from '../json.js';
import { EngineJournal } from '../store/engine-journal.js';
import { OutboundJournal, type Journal } from '../store/outbound-journal.js';
import { overrides } from './overrides.js';
import { RecordTrail } from './record-trail.js';
import type { EndpointQueues } from './progress.js';
import {
  Endpoint,
  positiveInteger,
  positiveMs,
  type CallContext,
  type EndpointOptions,
  type RetryOptions,
} from './endpoint.js';

/** Records per batch; 1 is single-record mode. */
export const DEFAULT_BATCH_SIZE = 1;
/** First wait after the FIFO was found empty. */
export const DEFAULT_IDLE_POLL_INITIAL_MS = 100;
/** Longest wait between polls of an empty FIFO. */
export const DEFAULT_IDLE_POLL_MAX_MS = 2_000;
/** Deadline of one publish confirmation. */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 10_000;
/** Longest FIFO id accepted (it becomes part of the message id). */
export const MAX_FIFO_ID_LENGTH = 200;

/** Header naming the endpoint that published a message. */
export const ENDPOINT_HEADER = 'aes-endpoint';
/** Header carrying the FIFO id a message came from. */
export const FIFO_ID_HEADER = 'aes-fifo-id';
/**
 * Header carrying when the record was taken from the FIFO (ms since the epoch, the outbound
 * node's clock): the inbound side measures each record's latency from it.
 */
export const POPPED_AT_HEADER = 'aes-popped-at';

/**
 * One record of a FIFO web service. The payload must have a JSON form (it is the message
 * body); a payload without one is refused with a `BadRecordError`.
 */
export interface FifoRecord<TPayload = JsonValue> {
  /** The FIFO's serial id; numbers are turned into their decimal string. */
  readonly id: string | number;
  readonly payload: TPayload;
}

export interface OutboundEndpointOptions extends EndpointOptions {
  /** Where the records are published. */
  readonly destination: Destination;
  /** Records taken, published (pipelined) and marked popped together. @defaultValue 1 */
  readonly batchSize?: number;
  /** Polling backoff while the FIFO is empty. @defaultValue 100 ms doubling to 2 s */
  readonly idlePoll?: RetryOptions;
  /** @defaultValue DEFAULT_PUBLISH_TIMEOUT_MS */
  readonly publishTimeoutMs?: number;
}

interface Prepared {
  readonly fifoId: string;
  readonly messageId: string;
  readonly body: string;
}

/** The loop shared by single- and double-phase endpoints. */
export abstract class OutboundEndpointBase<TPayload = JsonValue> extends Endpoint {
  readonly destination: Destination;
  readonly batchSize: number;
  private readonly idlePoll: RetryOptions;
  private readonly publishTimeoutMs: number;
  private journal: Journal | undefined;
  /** The subclass implements `poppedMany`. */
  private hasPoppedMany = false;
  /** Each record's steps: lineage events and OpenTelemetry spans. */
  private readonly trail = RecordTrail.attach(this.name, this.progress, this.clock);

  /** The destination it publishes to. */
  override queues(): EndpointQueues {
    return { publishes: this.destination };
  }

  constructor(options: OutboundEndpointOptions) {
    super(options);
    this.destination = options.destination;
    this.batchSize = positiveInteger('batchSize', options.batchSize, DEFAULT_BATCH_SIZE);
    this.idlePoll = options.idlePoll ?? {
      initialMs: DEFAULT_IDLE_POLL_INITIAL_MS,
      maxMs: DEFAULT_IDLE_POLL_MAX_MS,
    };
    checkBackoff(this.idlePoll, 'idlePoll');
    // Each publish of a batch listens on the stop signal until its confirmation: not a leak.
    setMaxListeners(Math.max(defaultMaxListeners, this.batchSize + 10), this.hardSignal);
    this.publishTimeoutMs = positiveMs(
      'publishTimeoutMs',
      options.publishTimeoutMs,
      DEFAULT_PUBLISH_TIMEOUT_MS,
    );
  }

  /** The message id of a FIFO record: `<endpoint>:<fifo id>`. */
  messageIdOf(fifoId: string): string {
    return `${this.name}:${fifoId}`;
  }

  /**
   * Marks one record popped at the source (the POPPED web service). Called only after the
   * broker confirmed the record; retried with backoff until it succeeds, and called again after a
   * restart when the previous run stopped before it returned: it must accept an id already
   * marked (idempotent).
   */
  protected abstract popped(fifoId: string, context: CallContext): Promise<void>;

  /**
   * Optional, batch mode: marks several records popped with one call, `fifoIds` in FIFO order.
   * The same contract as `popped`: called only after the broker confirmed every one of them and
   * the journal holds them, retried with backoff until it succeeds, and called again after a
   * restart when the previous run stopped before it returned, so it must accept ids already
   * marked (idempotent). When it is not implemented, `popped` is called for each id in order.
   */
  protected poppedMany(_fifoIds: readonly string[], _context: CallContext): Promise<void> {
    return Promise.reject(new OptionError('poppedMany', `${this.name}: not implemented`));
  }

  /** Takes up to `limit` records (pop, and build in double phase); `[]` when the FIFO is empty. */
  protected abstract take(limit: number): Promise<readonly FifoRecord<TPayload>[]>;

  protected async open(): Promise<void> {
    if (this.batchSize > 1 && !this.canBatch()) {
      throw new OptionError(
        'batchSize',
        `${this.name}: batch mode needs popMany() to be implemented`,
      );
    }
    if (this.fence?.ledger !== undefined) {
      throw new OptionError(
        'coordination.shared',
        `${this.name}: an outbound endpoint never runs shared (two poppers of one FIFO would publish its records twice); take it out of coordination.shared`,
      );
    }
    this.journal =
      this.fence === undefined
        ? await OutboundJournal.open(this.dataDir)
        : await EngineJournal.open(this.fence, this.dataDir);
    this.hasPoppedMany = overrides(this, OutboundEndpointBase.prototype, 'poppedMany');
  }

  /** True when the subclass implements what batch mode needs. */
  protected canBatch(): boolean {
    return true;
  }

  protected async closeStores(): Promise<void> {
    await this.journal?.close();
  }

  protected async run(): Promise<void> {
    const journal = this.journal as Journal;
    try {
      const pending = journal.read();
      if (pending !== undefined) {
        this.progress.enter('recover', pending.fifoIds);
        await this.markPopped(pending.fifoIds);
        await journal.clear();
      }
      const idle = new Backoff({ ...this.idlePoll, random: this.random });
      while (!this.stopRequested) {
        const records = await this.takeWithRetry();
        if (records === undefined) return;
        if (records.length === 0) {
          this.progress.enter('idle');
          await delay(this.clock, idle.next(), this.drainSignal).catch(() => undefined);
          continue;
        }
        idle.reset();
        const poppedAt = this.clock.now();
        this.progress.count('popped', records.length);
        const fifoIds = records.map((r) => r.fifoId);
        this.trail.popped(records, this.destination);
        await this.publishAll(records, poppedAt);
        this.progress.enter('journal', fifoIds);
        await journal.write({
          fifoIds,
          destination: this.destination,
          confirmedAt: this.clock.now(),
        });
        await this.markPopped(fifoIds);
        await journal.clear();
      }
    } catch (err) {
      // The stop deadline cut the in-flight work short: the journal holds what must resume.
      if (err instanceof AbortedError && this.hardSignal.aborted) return;
      throw err;
    }
  }

  /** Checks a record and renders its message. */
  protected prepare(record: FifoRecord<TPayload>): Prepared {
    const raw: unknown = (record as { id?: unknown }).id;
    if (typeof raw !== 'string' && !(typeof raw === 'number' && Number.isSafeInteger(raw))) {
      throw new BadRecordError(
        `${this.name}: a FIFO record's id must be a string or an integer, got ${typeof raw}`,
      );
    }
    const fifoId = String(raw);
    if (
      fifoId.length === 0 ||
      fifoId.length > MAX_FIFO_ID_LENGTH ||
      /[\s\u0000-\u001f]/.test(fifoId)
    ) {
      throw new BadRecordError(
        `${this.name}: FIFO id '${fifoId.slice(0, 50)}' must be 1..${MAX_FIFO_ID_LENGTH} characters without spaces or control characters`,
      );
    }
    let body: string;
    try {
      body = encodeJson(record.payload);
    } catch (err) {
      throw new BadRecordError(`${this.name}: record ${fifoId}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return { fifoId, messageId: this.messageIdOf(fifoId), body };
  }

  private async takeWithRetry(): Promise<Prepared[] | undefined> {
    const backoff = this.newRetryBackoff();
    for (;;) {
      if (this.stopRequested) return undefined;
      try {
        const records = await this.take(this.batchSize);
        if (records.length > this.batchSize) {
          throw new BadRecordError(
            `${this.name}: asked for at most ${this.batchSize} records, got ${records.length}`,
          );
        }
        return records.map((r) => this.prepare(r));
      } catch (err) {
        if (this.hardSignal.aborted) throw err;
        this.progress.error(this.progress.step, err as Error, backoff.attempts + 1);
        try {
          await this.retryDelay(backoff, this.drainSignal);
        } catch {
          return undefined;
        }
      }
    }
  }

  /**
   * Publishes the records pipelined and waits for every confirmation. On a failure, the records
   * from the first unconfirmed one on are published again after a backoff (those after it may
   * have been stored already: the same ids, dropped by the inbound de-duplication).
   */
  private async publishAll(records: readonly Prepared[], poppedAt: number): Promise<void> {
    const backoff = this.newRetryBackoff();
    let pending = records;
    for (;;) {
      this.progress.enter(
        'publish',
        pending.map((r) => r.fifoId),
      );
      const results = await Promise.allSettled(
        pending.map((record) => {
          this.progress.count('published');
          return this.transport.publish(this.destination, record.body, {
            messageId: record.messageId,
            headers: {
              'content-type': 'application/json',
              [ENDPOINT_HEADER]: this.name,
              [FIFO_ID_HEADER]: record.fifoId,
              [POPPED_AT_HEADER]: String(poppedAt),
              ...this.trail.publishing(record),
            },
            timeoutMs: this.publishTimeoutMs,
            signal: this.hardSignal,
          });
        }),
      );
      results.forEach((r, i) => {
        const record = pending[i];
        if (record !== undefined) {
          this.trail.confirmed(record, r.status === 'fulfilled' ? undefined : r.reason);
        }
      });
      const confirmed = results.filter((r) => r.status === 'fulfilled').length;
      if (confirmed > 0) this.progress.count('confirmed', confirmed);
      const firstFailure = results.findIndex((r) => r.status === 'rejected');
      if (firstFailure < 0) return;
      const failure = results[firstFailure] as PromiseRejectedResult;
      if (this.hardSignal.aborted) throw new AbortedError('publish', { cause: failure.reason });
      this.progress.error('publish', toError(failure.reason), backoff.attempts + 1);
      pending = pending.slice(firstFailure);
      await this.retryDelay(backoff, this.hardSignal);
    }
  }

  /**
   * Marks the records popped: one `poppedMany` call when the subclass has it and there are
   * several, else `popped` for each in order. Each call is retried until it succeeds.
   */
  private async markPopped(fifoIds: readonly string[]): Promise<void> {
    if (fifoIds.length > 1 && this.hasPoppedMany) {
      await this.untilMarked(fifoIds, 'poppedMany', (context) => this.poppedMany(fifoIds, context));
      return;
    }
    for (const fifoId of fifoIds) {
      await this.untilMarked([fifoId], 'popped', (context) => this.popped(fifoId, context));
    }
  }

  private async untilMarked(
    fifoIds: readonly string[],
    operation: 'popped' | 'poppedMany',
    work: (context: CallContext) => Promise<void>,
  ): Promise<void> {
    const backoff = this.newRetryBackoff();
    for (;;) {
      try {
        await this.call(operation, work, { step: 'popped', ids: fifoIds });
        this.progress.count('completed', fifoIds.length);
        return;
      } catch (err) {
        if (this.hardSignal.aborted) throw err;
        this.progress.error('popped', toError(err), backoff.attempts + 1);
        await this.retryDelay(backoff, this.hardSignal);
      }
    }
  }
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/**
 * Single phase: the FIFO web service's `pop` returns a whole record.
 *
 * Subclass it and implement `pop` and `popped` with the source system's web-service client;
 * for batch mode (`batchSize` > 1) implement `popMany` as well, and `poppedMany` if the source
 * can mark several records in one call.
 */
export abstract class OutboundEndpoint<
  TPayload = JsonValue,
> extends OutboundEndpointBase<TPayload> {
  /** Calls the FIFO web service: its oldest record not yet popped, or `undefined` when empty. */
  protected abstract pop(context: CallContext): Promise<FifoRecord<TPayload> | undefined>;

  /**
   * Batch mode: the oldest `limit` records not yet popped (fewer, or none). Needed only when
   * `batchSize` > 1.
   */
  protected popMany(
    _limit: number,
    _context: CallContext,
  ): Promise<readonly FifoRecord<TPayload>[]> {
    return Promise.reject(
      new OptionError('batchSize', `${this.name}: batch mode needs popMany() to be implemented`),
    );
  }

  protected override canBatch(): boolean {
    return overrides(this, OutboundEndpoint.prototype, 'popMany');
  }

  protected override async take(limit: number): Promise<readonly FifoRecord<TPayload>[]> {
    if (limit === 1) {
      const record = await this.call('pop', (c) => this.pop(c), { step: 'pop' });
      return record === undefined || record === null ? [] : [record];
    }
    return this.call('pop', (c) => this.popMany(limit, c), { step: 'pop' });
  }
}

/**
 * Double phase: `pop` yields the id of the next record, `build` makes its document.
 *
 * Subclass it and implement `pop`, `build` and `popped`; for batch mode, `popMany` too (and
 * `poppedMany` if the source has it).
 */
export abstract class DoublePhaseOutboundEndpoint<
  TPayload = JsonValue,
> extends OutboundEndpointBase<TPayload> {
  /** Calls the FIFO web service: the id of its oldest record not yet popped, or `undefined`. */
  protected abstract pop(context: CallContext): Promise<string | number | undefined>;

  /** Builds the document of record `fifoId` (the second web service). */
  protected abstract build(fifoId: string, context: CallContext): Promise<TPayload>;

  /** Batch mode: the ids of the oldest `limit` records. Needed only when `batchSize` > 1. */
  protected popMany(_limit: number, _context: CallContext): Promise<readonly (string | number)[]> {
    return Promise.reject(
      new OptionError('batchSize', `${this.name}: batch mode needs popMany() to be implemented`),
    );
  }

  protected override canBatch(): boolean {
    return overrides(this, DoublePhaseOutboundEndpoint.prototype, 'popMany');
  }

  protected override async take(limit: number): Promise<readonly FifoRecord<TPayload>[]> {
    let ids: readonly (string | number)[];
    if (limit === 1) {
      const id = await this.call('pop', (c) => this.pop(c), { step: 'pop' });
      ids = id === undefined || id === null ? [] : [id];
    } else {
      ids = await this.call('pop', (c) => this.popMany(limit, c), { step: 'pop' });
    }
    const records: FifoRecord<TPayload>[] = [];
    for (const id of ids) {
      const fifoId = String(id);
      const payload = await this.call('build', (c) => this.build(fifoId, c), {
        step: 'build',
        ids: [fifoId],
      });
      records.push({ id, payload });
    }
    return records;
  }
}
