/**
 * What outbound and inbound endpoints share: options, life (start, drain, stop with a deadline),
 * timed web-service calls with deadlines, retry delays, heartbeats, the data-folder lock and the
 * progress tracker that listeners attach to.
 */
import type { Transport } from '../../transports/index.js';
import { Backoff } from '../../util/index.js';
import { checkBackoff } from '../backoff-option.js';
import type { Clock, TimerHandle } from '../clock.js';
import { systemClock } from '../clock.js';
import { withDeadline } from '../../util/index.js';
import { RUNTIME_DEADLINE_ERRORS, delay } from '../delay.js';
import { AbortedError, CallTimeoutError, OptionError, StateError } from '../errors.js';
import type { DirLock } from '../../util/index.js';
import { lockDataDir } from '../store/data-dir-lock.js';
import type { EndpointFence } from '../store/engine-fence.js';
import {
  ProgressTracker,
  type EndpointListener,
  type EndpointQueues,
  type EndpointSnapshot,
  type EndpointStep,
} from './progress.js';

/** Deadline of one web-service call: 30 s. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/** First delay before retrying a failed step (pop, publish, popped, …). */
export const DEFAULT_RETRY_INITIAL_MS = 100;
/** Largest delay between retries of a failed step. */
export const DEFAULT_RETRY_MAX_MS = 5_000;
/** How often a running endpoint emits a heartbeat. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000;
/** How long `stop()` lets the in-flight record finish before aborting it. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

/** Endpoint names: they prefix message ids (`<endpoint>:<fifo id>`) and name data folders. */
export const ENDPOINT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Handed to every web-service call: honour the signal, the deadline is enforced anyway. */
export interface CallContext {
  /** Aborts at the call's deadline or when the endpoint's stop deadline passes. */
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
}

export interface RetryOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface EndpointOptions {
  /** The endpoint's name, `[A-Za-z0-9][A-Za-z0-9_.-]*`: prefix of its message ids. */
  readonly name: string;
  /** A transport the caller created and connected (and closes after `stop()`). */
  readonly transport: Transport;
  /** This endpoint's own data folder (journal, de-duplication store, lock file). */
  readonly dataDir: string;
  /** @defaultValue DEFAULT_CALL_TIMEOUT_MS */
  readonly callTimeoutMs?: number;
  /** Backoff between retries of a failed step. @defaultValue 100 ms doubling to 5 s */
  readonly retry?: RetryOptions;
  /** @defaultValue DEFAULT_HEARTBEAT_INTERVAL_MS */
  readonly heartbeatIntervalMs?: number;
  readonly listener?: EndpointListener;
  /** For tests. @defaultValue systemClock */
  readonly clock?: Clock;
  /** Source of jitter. @defaultValue Math.random */
  readonly random?: () => number;
  /**
   * Placed by lease: the coordination engine and the lease, where the journal (outbound) or the
   * put marks and de-duplication record (inbound) live instead of `dataDir`, fenced by the
   * lease's token so that they follow the endpoint to the node that takes it over. The node sets
   * it for the endpoints it places by lease; leave it out otherwise.
   */
  readonly fence?: EndpointFence;
}

export interface StopOptions {
  /** How long the in-flight record may take to finish. @defaultValue DEFAULT_DRAIN_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

type LifeState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export function positiveInteger(
  option: string,
  value: number | undefined,
  fallback: number,
): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) {
    throw new OptionError(option, `must be a whole number >= 1, got ${String(value)}`);
  }
  return v;
}

export function positiveMs(option: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) {
    throw new OptionError(option, `must be a number of milliseconds > 0, got ${String(value)}`);
  }
  return v;
}

export abstract class Endpoint implements AsyncDisposable {
  readonly name: string;
  protected readonly transport: Transport;
  protected readonly dataDir: string;
  /** Placed by lease: where the endpoint's records live instead of `dataDir`. */
  protected readonly fence: EndpointFence | undefined;
  protected readonly clock: Clock;
  protected readonly random: () => number;
  protected readonly progress: ProgressTracker;
  protected readonly callTimeoutMs: number;
  protected readonly retry: RetryOptions;
  private readonly heartbeatIntervalMs: number;
  private readonly drainController = new AbortController();
  private readonly hardController = new AbortController();
  private life: LifeState = 'new';
  private lock: DirLock | undefined;
  private starting: Promise<void> | undefined;
  private finished: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private heartbeatTimer: TimerHandle | undefined;

  constructor(options: EndpointOptions) {
    if (!ENDPOINT_NAME_PATTERN.test(options.name)) {
      throw new OptionError(
        'name',
        `'${options.name}' is not a valid endpoint name: use [A-Za-z0-9][A-Za-z0-9_.-]*, at most 100 characters`,
      );
    }
    this.name = options.name;
    this.transport = options.transport;
    this.dataDir = options.dataDir;
    this.fence = options.fence;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.callTimeoutMs = positiveMs(
      'callTimeoutMs',
      options.callTimeoutMs,
      DEFAULT_CALL_TIMEOUT_MS,
    );
    this.retry = options.retry ?? {
      initialMs: DEFAULT_RETRY_INITIAL_MS,
      maxMs: DEFAULT_RETRY_MAX_MS,
    };
    checkBackoff(this.retry, 'retry');
    this.heartbeatIntervalMs = positiveMs(
      'heartbeatIntervalMs',
      options.heartbeatIntervalMs,
      DEFAULT_HEARTBEAT_INTERVAL_MS,
    );
    this.progress = new ProgressTracker(this.name, this.clock);
    if (options.listener !== undefined) this.progress.listen(options.listener);
  }

  /** Adds a listener; returns the function that removes it. */
  listen(listener: EndpointListener): () => void {
    return this.progress.listen(listener);
  }

  /** The current step, since when, the counters and the last error. */
  snapshot(): EndpointSnapshot {
    return this.progress.snapshot();
  }

  /** The queues it works with; each kind of endpoint names its own. */
  queues(): EndpointQueues {
    return {};
  }

  /**
   * Takes the data folder, opens the stores, recovers and starts working. Resolves once the
   * endpoint runs; its work goes on in the background until `stop()` (see `done`).
   */
  start(): Promise<void> {
    if (this.life !== 'new') {
      return Promise.reject(new StateError(`endpoint ${this.name} was already started`));
    }
    this.life = 'starting';
    this.starting = (async () => {
      this.lock = await lockDataDir(this.dataDir);
      try {
        await this.open();
      } catch (err) {
        await this.closeStores().catch(() => undefined);
        await this.lock.release();
        this.life = 'stopped';
        throw err;
      }
      this.life = 'running';
      this.scheduleHeartbeat();
      this.finished = this.run().finally(() => this.cleanup());
      // `done` hands the outcome to whoever asks; this keeps it from being "unhandled".
      this.finished.catch(() => undefined);
    })();
    return this.starting;
  }

  /** Settles when the endpoint has stopped: resolves after `stop()`, rejects on a fatal error. */
  get done(): Promise<void> {
    return this.finished ?? Promise.resolve();
  }

  /**
   * Drains: no new record is taken, the in-flight one finishes (published, confirmed, marked
   * popped; or put and acked). After `timeoutMs` the remaining work is aborted; what was
   * journaled is resumed by the next start. Idempotent: returns the same promise each time.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.stopping ??= (async () => {
      const timeoutMs = options.timeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
      await this.starting?.catch(() => undefined);
      if (this.finished === undefined) {
        this.life = 'stopped';
        return;
      }
      if (this.life === 'running') this.life = 'stopping';
      this.drainController.abort(new AbortedError('drain'));
      const deadline = this.clock.setTimeout(
        () => this.hardController.abort(new AbortedError(`stop deadline (${timeoutMs} ms)`)),
        timeoutMs,
      );
      try {
        await this.finished.catch(() => undefined);
      } finally {
        this.clock.clearTimeout(deadline);
      }
    })();
    return this.stopping;
  }

  /**
   * Stops at once: the in-flight work is aborted now rather than drained (what a journaled
   * record needs is resumed by the next start). Resolves like `stop()`.
   */
  abort(): Promise<void> {
    const stopping = this.stop();
    this.hardController.abort(new AbortedError('abort'));
    return stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Opens the stores; called once by `start()` while holding the data folder. */
  protected abstract open(): Promise<void>;
  /** The endpoint's work; returns when drained or aborted, throws on a fatal error. */
  protected abstract run(): Promise<void>;
  /** Closes the stores. Called once, also after a failed `open()`. */
  protected abstract closeStores(): Promise<void>;

  /** True once `stop()` was called: take no new record. */
  protected get stopRequested(): boolean {
    return this.drainController.signal.aborted;
  }

  /** Aborts when `stop()` is called. */
  protected get drainSignal(): AbortSignal {
    return this.drainController.signal;
  }

  /** Aborts when the stop deadline passes: abandon the in-flight work. */
  protected get hardSignal(): AbortSignal {
    return this.hardController.signal;
  }

  /**
   * Runs one web-service call with the endpoint's deadline, times it and reports the outcome.
   * `step`, when given, is entered first. Subclasses use it for extra calls of their own too.
   */
  protected async call<T>(
    operation: string,
    work: (context: CallContext) => Promise<T>,
    step?: { readonly step: EndpointStep; readonly ids?: readonly string[] },
  ): Promise<T> {
    if (step !== undefined) this.progress.enter(step.step, step.ids);
    const started = performance.now();
    try {
      const deadline = {
        operation,
        timeoutMs: this.callTimeoutMs,
        signal: this.hardSignal,
        errors: RUNTIME_DEADLINE_ERRORS,
        timers: this.clock,
      };
      const result = await withDeadline(deadline, (signal) =>
        work({ signal, timeoutMs: this.callTimeoutMs }),
      );
      this.progress.call(operation, 'ok', performance.now() - started, step?.ids);
      return result;
    } catch (err) {
      const outcome =
        err instanceof CallTimeoutError
          ? 'timeout'
          : err instanceof AbortedError
            ? 'aborted'
            : 'error';
      const error = err instanceof Error ? err : new Error(String(err));
      this.progress.call(operation, outcome, performance.now() - started, step?.ids, error);
      throw err;
    }
  }

  /** Waits the backoff's next delay in the `retry-delay` step; rejects when `signal` aborts. */
  protected async retryDelay(backoff: Backoff, signal: AbortSignal): Promise<void> {
    this.progress.enter('retry-delay');
    await delay(this.clock, backoff.next(), signal);
  }

  protected newRetryBackoff(): Backoff {
    return new Backoff({ ...this.retry, random: this.random });
  }

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = this.clock.setTimeout(() => {
      if (this.life !== 'running' && this.life !== 'stopping') return;
      this.progress.heartbeat();
      this.scheduleHeartbeat();
    }, this.heartbeatIntervalMs);
    this.heartbeatTimer.unref?.();
  }

  private async cleanup(): Promise<void> {
    if (this.heartbeatTimer !== undefined) this.clock.clearTimeout(this.heartbeatTimer);
    const errors: unknown[] = [];
    await this.closeStores().catch((err: unknown) => errors.push(err));
    await this.lock?.release().catch((err: unknown) => errors.push(err));
    this.life = 'stopped';
    this.progress.enter('stopped');
    if (errors.length > 0) throw errors[0];
  }
}
