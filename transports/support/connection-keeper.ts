/**
 * Keeps one protocol session alive across a list of broker URLs: the first `connect()` goes round
 * the list with backoff until one broker accepts (or its deadline passes); a session lost later
 * is replaced in the background with backoff and jitter, moving on to the next URL. Calls that
 * need the session wait for it within their own deadline. The protocol (STOMP, MQTT) plugs in
 * through the narrow `KeeperHost` interface.
 */
import type { TransportState, WaitOptions } from '../transport.js';
import {
  ConnectionLostError,
  NotConnectedError,
  TransportAuthError,
  TransportClosedError,
  TransportConnectError,
  TransportError,
} from '../errors.js';
import { Backoff } from '../../util/index.js';
import { sleep, withDeadline } from '../../util/index.js';
import { transportDeadline } from './options.js';
import type { Listeners } from './listeners.js';
import { ConnectionState } from './state.js';

export interface KeptEndpoint {
  /** The URL without credentials. */
  readonly label: string;
}

export interface KeptSession {
  readonly alive: boolean;
  close(): Promise<void>;
}

export interface KeeperHost<E extends KeptEndpoint, S extends KeptSession> {
  /** Opens a session; rejects with a typed error, and promptly when `signal` aborts. */
  open(endpoint: E, signal: AbortSignal): Promise<S>;
  /** The session is installed: subscribe again, warn. */
  opened(session: S, endpoint: E): void;
  /** The session was lost; reconnecting follows. */
  lost(session: S, error: Error): void;
}

export interface KeeperSettings {
  /** Names the protocol in messages: `STOMP`, `MQTT`. */
  readonly protocol: string;
  readonly scheme: string;
  readonly connectDeadlineMs: number;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
}

export class ConnectionKeeper<E extends KeptEndpoint, S extends KeptSession> {
  private readonly machine: ConnectionState;
  private readonly backoff: Backoff;
  private current: S | undefined;
  private currentEndpoint: E | undefined;
  private connecting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** Fired by `close()`: cancels connection attempts and waits. */
  private readonly shutdown = new AbortController();
  private readonly waiters = new Set<() => void>();
  /** Index of the next URL to try. */
  private next = 0;
  /** Why each attempt of the current `connect()` failed. */
  private failures: string[] = [];

  constructor(
    private readonly settings: KeeperSettings,
    private readonly endpoints: readonly E[],
    private readonly listeners: Listeners,
    private readonly host: KeeperHost<E, S>,
  ) {
    this.machine = new ConnectionState(settings.scheme, listeners);
    // Each delay shrunk by a random factor in [0.5, 1): clients cut off together by a broker
    // restart do not come back together.
    this.backoff = new Backoff({
      initialMs: settings.reconnectInitialMs,
      maxMs: Math.max(settings.reconnectInitialMs, settings.reconnectMaxMs),
      jitter: 0.5,
      jitterKind: 'downward',
    });
  }

  get state(): TransportState {
    return this.machine.value;
  }

  /** The live session, if any. */
  get session(): S | undefined {
    return this.current?.alive === true ? this.current : undefined;
  }

  /** The endpoint of the live session, else the one tried next. */
  get endpoint(): E {
    return this.currentEndpoint ?? (this.endpoints[this.next % this.endpoints.length] as E);
  }

  connect(options: WaitOptions | undefined): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new TransportClosedError('connect'));
    if (this.state === 'connected' || this.state === 'reconnecting') return Promise.resolve();
    if (this.connecting === undefined) {
      this.failures = [];
      let attempt: Promise<void> | undefined;
      this.connecting = withDeadline(
        transportDeadline('connect', options, this.settings.connectDeadlineMs),
        (signal) => (attempt = this.firstConnect(signal)),
      )
        .catch(async (err: unknown) => {
          // The deadline rejects at once; the attempt ends at its signal's abort, a moment later.
          // Waiting for it means the state is back to idle when connect() rejects (and a new
          // connect() starts from there).
          await attempt?.catch(() => undefined);
          // At the deadline, say why each broker could not be used, not only "timed out".
          if (
            err instanceof TransportError &&
            err.code === 'TRANSPORT_TIMEOUT' &&
            this.failures.length > 0
          ) {
            const reasons = this.failures.slice(-this.endpoints.length).join('; ');
            throw new TransportConnectError(
              `no ${this.settings.protocol} broker reachable within the deadline: ${reasons}`,
              { cause: err },
            );
          }
          throw err;
        })
        .finally(() => {
          this.connecting = undefined;
        });
    }
    return this.connecting;
  }

  /** Throws when `operation` cannot even wait for a session (closed, or never connected). */
  checkUsable(operation: string): void {
    if (this.state === 'closed') throw new TransportClosedError(operation);
    if (this.state === 'idle') throw new NotConnectedError(operation);
  }

  /** The live session, waiting (until `signal` aborts) while connecting or reconnecting. */
  async waitForSession(operation: string, signal: AbortSignal): Promise<S> {
    for (;;) {
      if (this.state === 'closed') throw new TransportClosedError(operation);
      const session = this.session;
      if (session !== undefined) return session;
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          this.waiters.delete(wake);
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          this.waiters.delete(wake);
          reject(signal.reason as Error);
        };
        this.waiters.add(wake);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  /** Called by the session's `lost` event: starts reconnecting unless it is an old session. */
  sessionLost(session: S, error: Error): void {
    if (this.current !== session || this.state === 'closed') return;
    this.current = undefined;
    const label = this.currentEndpoint?.label ?? this.endpoint.label;
    this.currentEndpoint = undefined;
    this.host.lost(session, error);
    this.listeners.emit('error', error);
    if (!this.machine.transitionTo(['connected'], 'reconnecting', label, error)) return;
    this.next += 1;
    void this.reconnect();
  }

  /** Closes the session; `beforeClose` runs first (closing subscriptions). Idempotent. */
  close(beforeClose: () => void): Promise<void> {
    this.closing ??= (async () => {
      const from = this.state;
      this.shutdown.abort(new TransportClosedError('connect'));
      beforeClose();
      const session = this.current;
      const label = this.endpoint.label;
      this.current = undefined;
      try {
        await session?.close();
      } finally {
        for (const wake of this.waiters) wake();
        this.machine.transitionTo(
          [from, 'idle', 'connecting', 'connected', 'reconnecting'],
          'closed',
          label,
        );
      }
    })();
    return this.closing;
  }

  private async firstConnect(signal: AbortSignal): Promise<void> {
    this.machine.transitionTo(['idle'], 'connecting', this.endpoint.label);
    const combined = AbortSignal.any([signal, this.shutdown.signal]);
    try {
      for (;;) {
        // Configuration faults (an untrusted certificate) at every URL end the attempt too.
        let fatal: Error | undefined;
        let anyRetryable = false;
        for (let i = 0; i < this.endpoints.length; i += 1) {
          const endpoint = this.endpoint;
          try {
            await this.open(endpoint, combined);
            return;
          } catch (err) {
            if (combined.aborted) throw err;
            this.listeners.emit('error', err as Error);
            // Wrong credentials stay wrong: report them now instead of retrying to the deadline.
            if (err instanceof TransportAuthError) throw err;
            if (err instanceof TransportError && !err.retryable) fatal = err;
            else anyRetryable = true;
            const reason = (err as Error).message;
            this.failures.push(
              reason.includes(endpoint.label) ? reason : `${endpoint.label}: ${reason}`,
            );
            this.next += 1;
          }
        }
        if (fatal !== undefined && !anyRetryable) throw fatal;
        await sleep(this.backoff.next(), combined);
      }
    } catch (err) {
      this.machine.transitionTo(['connecting'], 'idle', this.endpoint.label, err as Error);
      throw err;
    }
  }

  /** Background reconnection until it succeeds or the transport closes. */
  private async reconnect(): Promise<void> {
    const signal = this.shutdown.signal;
    while (this.state === 'reconnecting' && !signal.aborted) {
      try {
        await sleep(this.backoff.next(), signal);
      } catch {
        return;
      }
      const endpoint = this.endpoint;
      try {
        await this.open(endpoint, signal);
        return;
      } catch (err) {
        if (signal.aborted) return;
        this.listeners.emit('error', err as Error);
        this.next += 1;
      }
    }
  }

  private async open(endpoint: E, signal: AbortSignal): Promise<void> {
    const session = await this.host.open(endpoint, signal);
    if (this.state === 'closed') {
      await session.close();
      throw new TransportClosedError('connect');
    }
    // Lost between its handshake and now: its `lost` event found no current session to end.
    if (!session.alive) throw new ConnectionLostError('connect');
    this.current = session;
    this.currentEndpoint = endpoint;
    this.backoff.reset();
    this.host.opened(session, endpoint);
    this.machine.transitionTo(['connecting', 'reconnecting'], 'connected', endpoint.label);
    for (const wake of this.waiters) wake();
  }
}
