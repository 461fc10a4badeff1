/**
 * `stomp://` and `stomp+ssl://`: the STOMP transport over stompit. One connection at a time,
 * to the first reachable broker of the URL list; when it is lost the transport reconnects with
 * backoff and jitter across the list and re-subscribes every live subscription. Publishes wait
 * for the broker's RECEIPT; subscriptions use `ack: client-individual` with a prefetch window
 * and ack / nack per message — never auto-ack.
 */
import { debuglog } from 'node:util';
import type {
  Destination,
  InboundMessage,
  MessageHandler,
  PublishOptions,
  SubscribeOptions,
  Subscription,
  Transport,
  TransportListener,
  TransportOptions,
  TransportState,
  WaitOptions,
} from '../transport.js';
import { MESSAGE_ID_HEADER } from '../transport.js';
import {
  ConnectionLostError,
  NotConnectedError,
  TransportAuthError,
  TransportClosedError,
  TransportConnectError,
  TransportError,
} from '../errors.js';
import { parseDestination } from '../destination.js';
import {
  Backoff,
  DEFAULT_RECONNECT_INITIAL_MS,
  DEFAULT_RECONNECT_MAX_MS,
} from '../support/backoff.js';
import { sleep, withDeadline } from '../support/deadline.js';
import { DEFAULT_REDELIVERY_DELAY_MS, Dispatcher, type Delivery } from '../support/dispatcher.js';
import { Listeners } from '../support/listeners.js';
import { checkedNumber, numberParam } from '../support/options.js';
import { ConnectionState } from '../support/state.js';
import { parseStompUrl, type StompEndpoint } from './stomp-url.js';
import { StompSession, type StompFrame } from './stomp-session.js';

const trace = debuglog('aes-transport');

export const DEFAULT_STOMP_CONNECT_TIMEOUT_MS = 10_000;
/** Default deadline of `connect()` as a whole (every URL, with backoff between rounds). */
export const DEFAULT_STOMP_CONNECT_DEADLINE_MS = 30_000;
export const DEFAULT_STOMP_PUBLISH_TIMEOUT_MS = 30_000;
export const DEFAULT_STOMP_HEARTBEAT_MS = 10_000;

/** Header names the transport sets itself; a caller's headers never override them. */
const RESERVED_HEADERS = new Set([
  'destination',
  'receipt',
  'content-length',
  'transaction',
  'id',
  'ack',
]);

interface Settings {
  readonly connectTimeoutMs: number;
  readonly publishTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  readonly redeliveryDelayMs: number;
  /** RabbitMQ `x-expires` on declared queues (0: none); for tests and short-lived queues. */
  readonly queueExpiresMs: number;
  readonly rejectUnauthorized: boolean;
  readonly clientId: string | undefined;
}

interface LiveSubscription {
  readonly id: string;
  readonly destination: Destination;
  readonly prefetch: number;
  readonly dispatcher: Dispatcher;
  closed: boolean;
}

export class StompTransport implements Transport {
  readonly scheme: string;
  private readonly endpoints: readonly StompEndpoint[];
  private readonly settings: Settings;
  private readonly listeners = new Listeners();
  private readonly machine: ConnectionState;
  private session: StompSession | undefined;
  private readonly subscriptions = new Map<string, LiveSubscription>();
  private nextSubscriptionId = 1;
  private connecting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** Fired by `close()`, cancelling reconnect loops and waits. */
  private readonly shutdown = new AbortController();
  /** Callers waiting for the connection to come back. */
  private readonly connectedWaiters = new Set<() => void>();
  private readonly backoff: Backoff;
  /** Index of the next URL to try. */
  private next = 0;
  /** Why each attempt of the current `connect()` failed. */
  private failures: string[] = [];

  constructor(urls: readonly URL[], options: TransportOptions = {}) {
    this.endpoints = urls.map(parseStompUrl);
    const first = this.endpoints[0] as StompEndpoint;
    this.scheme = first.tls ? 'stomp+ssl' : 'stomp';
    const p = first.params;
    this.settings = {
      connectTimeoutMs: numberParam(
        p,
        'connectTimeoutMs',
        checkedNumber(
          'connectTimeoutMs',
          options.connectTimeoutMs,
          DEFAULT_STOMP_CONNECT_TIMEOUT_MS,
          1,
        ),
        1,
      ),
      publishTimeoutMs: numberParam(
        p,
        'publishTimeoutMs',
        checkedNumber(
          'publishTimeoutMs',
          options.publishTimeoutMs,
          DEFAULT_STOMP_PUBLISH_TIMEOUT_MS,
          1,
        ),
        1,
      ),
      heartbeatMs: numberParam(
        p,
        'heartbeatMs',
        checkedNumber('heartbeatMs', options.heartbeatMs, DEFAULT_STOMP_HEARTBEAT_MS),
      ),
      reconnectInitialMs: numberParam(
        p,
        'reconnectInitialMs',
        checkedNumber(
          'reconnectInitialMs',
          options.reconnectInitialMs,
          DEFAULT_RECONNECT_INITIAL_MS,
          1,
        ),
        1,
      ),
      reconnectMaxMs: numberParam(
        p,
        'reconnectMaxMs',
        checkedNumber('reconnectMaxMs', options.reconnectMaxMs, DEFAULT_RECONNECT_MAX_MS, 1),
        1,
      ),
      redeliveryDelayMs: numberParam(
        p,
        'redeliveryDelayMs',
        checkedNumber('redeliveryDelayMs', options.redeliveryDelayMs, DEFAULT_REDELIVERY_DELAY_MS),
      ),
      queueExpiresMs: numberParam(p, 'queueExpiresMs', 0),
      rejectUnauthorized: p.get('rejectUnauthorized') !== 'false',
      clientId: options.clientId,
    };
    this.backoff = new Backoff(
      this.settings.reconnectInitialMs,
      Math.max(this.settings.reconnectInitialMs, this.settings.reconnectMaxMs),
    );
    this.machine = new ConnectionState(this.scheme, this.listeners);
  }

  get state(): TransportState {
    return this.machine.value;
  }

  /** The connected broker's protocol version and `server` header, once connected. */
  get server(): { readonly version: string; readonly server: string | undefined } | undefined {
    return this.session === undefined
      ? undefined
      : { version: this.session.version, server: this.session.server };
  }

  connect(options?: WaitOptions): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new TransportClosedError('connect'));
    if (this.state === 'connected' || this.state === 'reconnecting') return Promise.resolve();
    if (this.connecting === undefined) {
      this.failures = [];
      this.connecting = withDeadline(
        'connect',
        options,
        DEFAULT_STOMP_CONNECT_DEADLINE_MS,
        (signal) => this.firstConnect(signal),
      )
        .catch((err: unknown) => {
          // At the deadline, say why each broker could not be used, not only "timed out".
          if (
            err instanceof TransportError &&
            err.code === 'TRANSPORT_TIMEOUT' &&
            this.failures.length > 0
          ) {
            const reasons = this.failures.slice(-this.endpoints.length).join('; ');
            throw new TransportConnectError(
              `no STOMP broker reachable within the deadline: ${reasons}`,
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

  async publish(
    destination: Destination,
    body: Buffer | string,
    options: PublishOptions = {},
  ): Promise<void> {
    this.usable('publish');
    parseDestination(destination);
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (!RESERVED_HEADERS.has(name.toLowerCase())) headers[name] = value;
    }
    if (options.messageId !== undefined) headers[MESSAGE_ID_HEADER] = options.messageId;
    Object.assign(headers, this.declareHeaders(destination), {
      destination,
      // Stored to disk by RabbitMQ and ActiveMQ; without it a broker restart loses the message.
      persistent: 'true',
      'content-type': headers['content-type'] ?? 'application/octet-stream',
    });
    const started = performance.now();
    await withDeadline('publish', options, this.settings.publishTimeoutMs, async (signal) => {
      const session = await this.connectedSession(signal);
      const { done, cancel } = session.request('SEND', headers, payload);
      signal.addEventListener('abort', cancel, { once: true });
      await done;
    });
    this.listeners.emit('confirmed', { destination, latencyMs: performance.now() - started });
  }

  async subscribe(
    destination: Destination,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.usable('subscribe');
    parseDestination(destination);
    const prefetch = options.prefetch ?? 1;
    if (!Number.isInteger(prefetch) || prefetch < 1) {
      throw new TypeError(
        `subscribe: prefetch must be a whole number >= 1, got ${String(prefetch)}`,
      );
    }
    const id = String(this.nextSubscriptionId++);
    const live: LiveSubscription = {
      id,
      destination,
      prefetch,
      dispatcher: new Dispatcher(handler, prefetch, this.settings.redeliveryDelayMs),
      closed: false,
    };
    this.subscriptions.set(id, live);
    try {
      await withDeadline('subscribe', options, this.settings.publishTimeoutMs, async (signal) => {
        const session = await this.connectedSession(signal);
        const { done, cancel } = session.subscribe(id, this.subscribeHeaders(live));
        signal.addEventListener('abort', cancel, { once: true });
        await done;
      });
    } catch (err) {
      // A connection lost meanwhile re-subscribes it; any other failure withdraws it.
      if (!(err instanceof ConnectionLostError)) {
        live.closed = true;
        live.dispatcher.close();
        this.subscriptions.delete(id);
        throw err;
      }
    }
    return {
      destination,
      unsubscribe: (waitOptions?: WaitOptions) => this.unsubscribe(live, waitOptions),
    };
  }

  listen(listener: TransportListener): () => void {
    return this.listeners.add(listener);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const from = this.state;
      this.shutdown.abort(new TransportClosedError('connect'));
      for (const live of this.subscriptions.values()) {
        live.closed = true;
        live.dispatcher.close();
      }
      this.subscriptions.clear();
      const session = this.session;
      this.session = undefined;
      try {
        await session?.close();
      } finally {
        for (const wake of this.connectedWaiters) wake();
        this.machine.transitionTo(
          [from, 'idle', 'connecting', 'connected', 'reconnecting'],
          'closed',
          this.urlLabel(),
        );
      }
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private usable(operation: string): void {
    if (this.state === 'closed') throw new TransportClosedError(operation);
    // While connecting or reconnecting, calls wait for the connection within their deadline.
    if (this.state === 'idle') throw new NotConnectedError(operation);
  }

  private urlLabel(): string {
    return (
      this.session?.endpoint.label ??
      (this.endpoints[this.next % this.endpoints.length] as StompEndpoint).label
    );
  }

  /** RabbitMQ declares `/queue/` queues on SEND and SUBSCRIBE; the arguments must match. */
  private declareHeaders(destination: Destination): Record<string, string> {
    if (this.settings.queueExpiresMs === 0 || !destination.startsWith('/queue/')) return {};
    return { 'x-expires': String(this.settings.queueExpiresMs) };
  }

  private subscribeHeaders(live: LiveSubscription): Record<string, string> {
    return {
      destination: live.destination,
      ...this.declareHeaders(live.destination),
      // RabbitMQ reads `prefetch-count`, ActiveMQ `activemq.prefetchSize`; the dispatcher bounds
      // concurrency on any broker.
      'prefetch-count': String(live.prefetch),
      'activemq.prefetchSize': String(live.prefetch),
    };
  }

  /** The live session, waiting (within the caller's deadline) while reconnecting. */
  private async connectedSession(signal: AbortSignal): Promise<StompSession> {
    for (;;) {
      if (this.state === 'closed') throw new TransportClosedError('publish');
      const session = this.session;
      if (session?.alive === true) return session;
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          this.connectedWaiters.delete(wake);
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          this.connectedWaiters.delete(wake);
          reject(signal.reason as Error);
        };
        this.connectedWaiters.add(wake);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  private async firstConnect(signal: AbortSignal): Promise<void> {
    this.machine.transitionTo(['idle'], 'connecting', this.urlLabel());
    const combined = AbortSignal.any([signal, this.shutdown.signal]);
    try {
      for (;;) {
        for (let i = 0; i < this.endpoints.length; i += 1) {
          const endpoint = this.endpoints[this.next % this.endpoints.length] as StompEndpoint;
          try {
            await this.open(endpoint, combined);
            return;
          } catch (err) {
            if (combined.aborted) throw err;
            this.listeners.emit('error', err as Error);
            // Wrong credentials stay wrong: report them instead of retrying until the deadline.
            if (err instanceof TransportAuthError) throw err;
            const reason = (err as Error).message;
            this.failures.push(
              reason.includes(endpoint.label) ? reason : `${endpoint.label}: ${reason}`,
            );
            this.next += 1;
          }
        }
        await sleep(this.backoff.next(), combined);
      }
    } catch (err) {
      this.machine.transitionTo(['connecting'], 'idle', this.urlLabel(), err as Error);
      throw err;
    }
  }

  /** Opens a session to `endpoint`, installs it and re-subscribes every live subscription. */
  private async open(endpoint: StompEndpoint, signal: AbortSignal): Promise<void> {
    const session = await StompSession.open(
      endpoint,
      {
        timeoutMs: this.settings.connectTimeoutMs,
        heartbeatMs: this.settings.heartbeatMs,
        clientId: this.settings.clientId,
        rejectUnauthorized: this.settings.rejectUnauthorized,
        signal,
      },
      {
        message: (from, id, frame) => this.onMessage(from, id, frame),
        lost: (from, error) => this.onLost(from, error),
      },
    );
    if (this.state === 'closed') {
      await session.close();
      throw new TransportClosedError('connect');
    }
    this.session = session;
    this.backoff.reset();
    trace(
      'stomp connected to %s (STOMP %s, %s)',
      endpoint.label,
      session.version,
      session.server ?? 'unknown server',
    );
    for (const live of this.subscriptions.values()) {
      if (live.closed) continue;
      // Not awaited: an ERROR to SUBSCRIBE ends the session, which reconnects.
      session.subscribe(live.id, this.subscribeHeaders(live)).done.catch(() => {});
    }
    this.machine.transitionTo(['connecting', 'reconnecting'], 'connected', endpoint.label);
    for (const wake of this.connectedWaiters) wake();
  }

  private onMessage(session: StompSession, id: string, frame: StompFrame): void {
    const live = this.subscriptions.get(id);
    const headers = frame.headers;
    const ackHeaders: Record<string, string> =
      session.version === '1.2'
        ? { id: headers.ack ?? '' }
        : { 'message-id': headers['message-id'] ?? '', subscription: headers.subscription ?? id };
    const nack =
      session.version === '1.0'
        ? undefined // STOMP 1.0 has no NACK: the message is run again locally, unacknowledged.
        : () => session.send('NACK', ackHeaders);
    if (live === undefined || live.closed) {
      nack?.();
      return;
    }
    const deliveryCount = countDeliveries(headers);
    const message: InboundMessage = {
      destination: live.destination,
      body: frame.body,
      headers,
      messageId: headers[MESSAGE_ID_HEADER],
      deliveryCount,
      redelivered: headers.redelivered === 'true' || deliveryCount > 1,
    };
    const delivery: Delivery = {
      message,
      ack: () => session.send('ACK', ackHeaders),
      stale: () => !session.alive || this.session !== session,
      ...(nack === undefined ? {} : { nack }),
    };
    live.dispatcher.push(delivery);
  }

  private onLost(session: StompSession, error: Error): void {
    if (this.session !== session || this.state === 'closed') return;
    this.session = undefined;
    for (const live of this.subscriptions.values()) live.dispatcher.dropStale();
    this.listeners.emit('error', error);
    if (!this.machine.transitionTo(['connected'], 'reconnecting', session.endpoint.label, error))
      return;
    this.next += 1;
    void this.reconnect();
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
      const endpoint = this.endpoints[this.next % this.endpoints.length] as StompEndpoint;
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

  private async unsubscribe(live: LiveSubscription, options?: WaitOptions): Promise<void> {
    if (live.closed) return;
    live.closed = true;
    this.subscriptions.delete(live.id);
    const session = this.session;
    try {
      if (session?.alive === true) {
        await withDeadline(
          'unsubscribe',
          options,
          this.settings.publishTimeoutMs,
          async (signal) => {
            const { done, cancel } = session.request('UNSUBSCRIBE', { id: live.id });
            signal.addEventListener('abort', cancel, { once: true });
            await done;
          },
        );
      }
    } finally {
      // Deliveries not yet handled go back to the broker; later MESSAGE frames for this id are
      // nacked on arrival (see onMessage).
      live.dispatcher.close();
    }
  }
}

/**
 * Deliveries so far, this one included: the embedded broker's `delivery-count` (1-based), else
 * RabbitMQ quorum queues' `x-delivery-count` (0-based), else only `redelivered` is known (2 is
 * then a lower bound).
 */
function countDeliveries(headers: Readonly<Record<string, string>>): number {
  const own = Number(headers['delivery-count']);
  if (Number.isInteger(own) && own >= 1) return own;
  const quorum = Number(headers['x-delivery-count']);
  if (headers['x-delivery-count'] !== undefined && Number.isInteger(quorum) && quorum >= 0) {
    return quorum + 1;
  }
  return headers.redelivered === 'true' ? 2 : 1;
}

/** Registered as the `stomp` and `stomp+ssl` schemes. */
export function createStompTransport(urls: readonly URL[], options: TransportOptions): Transport {
  return new StompTransport(urls, options);
}
