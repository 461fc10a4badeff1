/**
 * What an endpoint reports while it works: its current step and since when, its counters and the
 * duration of every web-service call. A typed listener interface, so the supervisor link and the
 * Prometheus metrics can attach without the endpoint knowing either.
 */
import { debuglog } from 'node:util';
import type { Clock } from '../clock.js';
import type { LineageEvent } from './lineage.js';

const trace = debuglog('aes-runtime');

/** Steps of an outbound endpoint. */
export type OutboundStep = 'recover' | 'pop' | 'build' | 'publish' | 'journal' | 'popped';
/** Steps of an inbound endpoint. */
export type InboundStep = 'lookup' | 'put' | 'record' | 'ack' | 'nack-delay' | 'dead-letter';
/** Steps where an endpoint waits by design (an empty FIFO, no message, a retry delay). */
export type WaitingStep = 'idle' | 'waiting' | 'retry-delay';
export type EndpointStep = 'starting' | OutboundStep | InboundStep | WaitingStep | 'stopped';

/**
 * Steps in which an endpoint may stay for any length of time without being hung. A supervisor's
 * "no headway" check must skip them; every other step is a bounded piece of work.
 */
export const WAITING_STEPS: ReadonlySet<EndpointStep> = new Set<EndpointStep>([
  'idle',
  'waiting',
  'retry-delay',
  'nack-delay',
  'stopped',
]);

export interface EndpointCounters {
  /** Outbound: records taken from the FIFO web service. */
  popped: number;
  /** Outbound: messages sent to the broker (each attempt). */
  published: number;
  /** Outbound: messages the broker confirmed as stored. */
  confirmed: number;
  /** Outbound: records marked popped at the source (done). */
  completed: number;
  /** Inbound: messages received from the broker (each delivery). */
  received: number;
  /** Inbound: messages the target web service accepted. */
  delivered: number;
  acked: number;
  nacked: number;
  deadLettered: number;
  /** Inbound: deliveries dropped because their id was delivered before. */
  deduplicated: number;
  /**
   * Inbound: redeliveries whose earlier put may have reached the target unseen (a crash or a
   * lost answer), confirmed there by `alreadyDelivered()` and acked without a put.
   */
  confirmedDelivered: number;
  /**
   * Inbound: such redeliveries put again because the endpoint cannot ask the target (no
   * `alreadyDelivered()`): each may be a duplicate at the target.
   */
  possibleDuplicates: number;
  /** Failed attempts of any step (each is retried or nacked). */
  errors: number;
}

export type EndpointCounter = keyof EndpointCounters;

export function zeroCounters(): EndpointCounters {
  return {
    popped: 0,
    published: 0,
    confirmed: 0,
    completed: 0,
    received: 0,
    delivered: 0,
    acked: 0,
    nacked: 0,
    deadLettered: 0,
    deduplicated: 0,
    confirmedDelivered: 0,
    possibleDuplicates: 0,
    errors: 0,
  };
}

export type CallOutcome = 'ok' | 'error' | 'timeout' | 'aborted';

export interface StepEvent {
  readonly endpoint: string;
  readonly step: EndpointStep;
  /** When the step began (ms since the epoch). */
  readonly sinceMs: number;
  /** FIFO ids or message id the step works on, when it works on records. */
  readonly ids?: readonly string[];
}

export interface CallEvent {
  readonly endpoint: string;
  /** The web-service operation (`pop`, `build`, `popped`, `put`, or one named by the subclass). */
  readonly operation: string;
  readonly outcome: CallOutcome;
  readonly durationMs: number;
  /** The FIFO ids or message ids the call worked on, when it worked on records. */
  readonly ids?: readonly string[];
  /** Why it failed, when it did. */
  readonly error?: Error;
}

export interface CounterEvent {
  readonly endpoint: string;
  readonly counter: EndpointCounter;
  readonly delta: number;
  /** The counter's total after this change. */
  readonly total: number;
  /** The message ids counted, where the counter is about particular ones. */
  readonly ids?: readonly string[];
}

/** Inbound: records the target accepted, with how long since they were popped at the source. */
export interface LatencyEvent {
  readonly endpoint: string;
  /** From the pop (the outbound node's clock) to the target's acceptance (this one's). */
  readonly latencyMs: number;
  readonly ids?: readonly string[];
}

export interface ErrorEvent {
  readonly endpoint: string;
  readonly step: EndpointStep;
  readonly error: Error;
  /** 1 for the first failure of this step on this record; counts up while retried. */
  readonly attempt: number;
}

/** Typed events of an endpoint; every member is optional. Listeners must not throw. */
export interface EndpointListener {
  step?(event: StepEvent): void;
  counter?(event: CounterEvent): void;
  call?(event: CallEvent): void;
  /** Inbound: a record accepted by the target, pop to acceptance. */
  latency?(event: LatencyEvent): void;
  error?(event: ErrorEvent): void;
  /** A step of one record (popped, published, put, delivered, dead-lettered, …). */
  lineage?(event: LineageEvent): void;
  /** The endpoint was alive at this moment: emitted on a timer while it runs. */
  heartbeat?(event: { readonly endpoint: string; readonly atMs: number }): void;
}

/** The queues an endpoint works with, as it names them in its heartbeats (for the console). */
export interface EndpointQueues {
  /** Inbound: the queue it consumes. */
  readonly consumes?: string;
  /** Outbound: the destination it publishes to. */
  readonly publishes?: string;
  /** Inbound: where its dead letters go. */
  readonly deadLetter?: string;
}

export interface EndpointSnapshot {
  readonly endpoint: string;
  readonly step: EndpointStep;
  readonly sinceMs: number;
  readonly counters: Readonly<EndpointCounters>;
  readonly lastError: string | undefined;
  /**
   * Records done (`completed` + `delivered`) when the last error happened: a larger count now
   * means a record was done after it (the endpoint recovered). 0 before any error.
   */
  readonly doneAtLastError: number;
}

/** Keeps the step, counters and listeners of one endpoint. */
export class ProgressTracker {
  private readonly listeners = new Set<EndpointListener>();
  private readonly counts = zeroCounters();
  private current: EndpointStep = 'starting';
  private since: number;
  private lastError: string | undefined;
  private doneAtLastError = 0;

  constructor(
    readonly endpoint: string,
    private readonly clock: Clock,
  ) {
    this.since = clock.now();
  }

  get step(): EndpointStep {
    return this.current;
  }

  listen(listener: EndpointListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Enters `step` now, even when it is the current one (each attempt is fresh headway). */
  enter(step: EndpointStep, ids?: readonly string[]): void {
    this.current = step;
    this.since = this.clock.now();
    const event: StepEvent =
      ids === undefined
        ? { endpoint: this.endpoint, step, sinceMs: this.since }
        : { endpoint: this.endpoint, step, sinceMs: this.since, ids };
    this.emit((l) => l.step?.(event));
  }

  count(counter: EndpointCounter, delta = 1, ids?: readonly string[]): void {
    this.counts[counter] += delta;
    const event = {
      endpoint: this.endpoint,
      counter,
      delta,
      total: this.counts[counter],
      ...(ids === undefined ? {} : { ids }),
    };
    this.emit((l) => l.counter?.(event));
  }

  call(
    operation: string,
    outcome: CallOutcome,
    durationMs: number,
    ids?: readonly string[],
    error?: Error,
  ): void {
    const event: CallEvent = {
      endpoint: this.endpoint,
      operation,
      outcome,
      durationMs,
      ...(ids === undefined ? {} : { ids }),
      ...(error === undefined ? {} : { error }),
    };
    this.emit((l) => l.call?.(event));
  }

  /** A record reached the target `latencyMs` after it was popped (clamped at 0: clock skew). */
  latency(latencyMs: number, ids?: readonly string[]): void {
    const event = {
      endpoint: this.endpoint,
      latencyMs: Math.max(0, latencyMs),
      ...(ids === undefined ? {} : { ids }),
    };
    this.emit((l) => l.latency?.(event));
  }

  error(step: EndpointStep, error: Error, attempt: number): void {
    this.counts.errors += 1;
    this.lastError = error.message;
    this.doneAtLastError = this.counts.completed + this.counts.delivered;
    trace('%s: %s failed (attempt %d): %s', this.endpoint, step, attempt, error.message);
    const event = { endpoint: this.endpoint, step, error, attempt };
    this.emit((l) => l.error?.(event));
  }

  /** A step of one record, for its lineage (see `RecordTrail`, which makes them). */
  lineage(event: LineageEvent): void {
    this.emit((l) => l.lineage?.(event));
  }

  heartbeat(): void {
    const event = { endpoint: this.endpoint, atMs: this.clock.now() };
    this.emit((l) => l.heartbeat?.(event));
  }

  snapshot(): EndpointSnapshot {
    return {
      endpoint: this.endpoint,
      step: this.current,
      sinceMs: this.since,
      counters: { ...this.counts },
      lastError: this.lastError,
      doneAtLastError: this.doneAtLastError,
    };
  }

  private emit(send: (listener: EndpointListener) => void): void {
    for (const listener of this.listeners) {
      try {
        send(listener);
      } catch {
        // A faulty listener must not stop the endpoint; listeners are documented not to throw.
      }
    }
  }
}
