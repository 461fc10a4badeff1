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
import { ConnectionLostError } from '../errors.js';
import { parseDestination } from '../destination.js';
import { ConnectionKeeper } from '../support/connection-keeper.js';
import { withDeadline } from '../../util/index.js';
import {
  DEFAULT_REDELIVERY_DELAY_MS,
  DeliveryDispatcher,
  type DispatchedMessage,
} from '../support/dispatcher.js';
import { Listeners } from '../support/listeners.js';
import {
  DEFAULT_RECONNECT_INITIAL_MS,
  DEFAULT_RECONNECT_MAX_MS,
  checkedNumber,
  commonSettings,
  transportDeadline,
  type CommonSettings,
} from '../support/options.js';
import { parseQueueDeclaration, type QueueDeclaration } from './queue-arguments.js';
import { parseStompUrl, type StompEndpoint } from './stomp-url.js';
// stompit loads on the first connection, not with the transport (see registry.ts).
import type { StompSession, StompMessageFrame } from './stomp-session.js';

const trace = debuglog('aes-transport');

export const DEFAULT_STOMP_CONNECT_TIMEOUT_MS = 10_000;
/** Default deadline of `connect()` as a whole (every URL, with backoff between rounds). */
export const DEFAULT_STOMP_CONNECT_DEADLINE_MS = 30_000;
export const DEFAULT_STOMP_PUBLISH_TIMEOUT_MS = 30_000;
export const DEFAULT_STOMP_HEARTBEAT_MS = 10_000;

const DEFAULTS: CommonSettings = {
  connectTimeoutMs: DEFAULT_STOMP_CONNECT_TIMEOUT_MS,
  publishTimeoutMs: DEFAULT_STOMP_PUBLISH_TIMEOUT_MS,
  heartbeatMs: DEFAULT_STOMP_HEARTBEAT_MS,
  reconnectInitialMs: DEFAULT_RECONNECT_INITIAL_MS,
  reconnectMaxMs: DEFAULT_RECONNECT_MAX_MS,
  redeliveryDelayMs: DEFAULT_REDELIVERY_DELAY_MS,
};

/** Header names the transport sets itself; a caller's headers never override them. */
const RESERVED_HEADERS = new Set([
  'destination',
  'receipt',
  'content-length',
  'transaction',
  'id',
  'ack',
  'persistent',
]);

interface Settings extends CommonSettings {
  /** RabbitMQ queue arguments on the frames that declare `/queue/` queues (queue-arguments.ts). */
  readonly queueDeclaration: QueueDeclaration;
  readonly rejectUnauthorized: boolean;
  readonly clientId: string | undefined;
}

interface LiveSubscription {
  readonly id: string;
  readonly destination: Destination;
  readonly prefetch: number;
  readonly dispatcher: DeliveryDispatcher;
  closed: boolean;
}

export class StompTransport implements Transport {
  readonly scheme: string;
  private readonly settings: Settings;
  private readonly listeners = new Listeners();
  private readonly keeper: ConnectionKeeper<StompEndpoint, StompSession>;
  private readonly subscriptions = new Map<string, LiveSubscription>();
  private nextSubscriptionId = 1;

  constructor(urls: readonly URL[], options: TransportOptions = {}) {
    const endpoints = urls.map(parseStompUrl);
    const first = endpoints[0] as StompEndpoint;
    this.scheme = first.tls ? 'stomp+ssl' : 'stomp';
    this.settings = {
      ...commonSettings(first.params, options, DEFAULTS),
      queueDeclaration: parseQueueDeclaration(first.params),
      rejectUnauthorized: first.params.get('rejectUnauthorized') !== 'false',
      clientId: options.clientId,
    };
    this.keeper = new ConnectionKeeper(
      {
        protocol: 'STOMP',
        scheme: this.scheme,
        connectDeadlineMs: DEFAULT_STOMP_CONNECT_DEADLINE_MS,
        reconnectInitialMs: this.settings.reconnectInitialMs,
        reconnectMaxMs: this.settings.reconnectMaxMs,
      },
      endpoints,
      this.listeners,
      {
        open: (endpoint, signal) => this.open(endpoint, signal),
        opened: (session) => this.resubscribe(session),
        lost: () => {
          for (const live of this.subscriptions.values()) live.dispatcher.dropStale();
        },
      },
    );
  }

  get state(): TransportState {
    return this.keeper.state;
  }

  /** The connected broker's protocol version and `server` header, once connected. */
  get server(): { readonly version: string; readonly server: string | undefined } | undefined {
    const session = this.keeper.session;
    return session === undefined ? undefined : { version: session.version, server: session.server };
  }

  connect(options?: WaitOptions): Promise<void> {
    return this.keeper.connect(options);
  }

  async publish(
    destination: Destination,
    body: Buffer | string,
    options: PublishOptions = {},
  ): Promise<void> {
    this.keeper.checkUsable('publish');
    parseDestination(destination);
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      checkHeader(name, value);
      if (!RESERVED_HEADERS.has(name.toLowerCase())) headers[name] = value;
    }
    if (options.messageId !== undefined) {
      checkHeader(MESSAGE_ID_HEADER, options.messageId);
      headers[MESSAGE_ID_HEADER] = options.messageId;
    }
    Object.assign(headers, this.declareHeaders(destination, 'SEND'), {
      destination,
      // Stored to disk by RabbitMQ and ActiveMQ; without it a broker restart loses the message.
      persistent: 'true',
      'content-type': headers['content-type'] ?? 'application/octet-stream',
    });
    const started = performance.now();
    await withDeadline(
      transportDeadline('publish', options, this.settings.publishTimeoutMs),
      async (signal) => {
        const session = await this.keeper.waitForSession('publish', signal);
        const { done, cancel } = session.request('SEND', headers, payload);
        signal.addEventListener('abort', cancel, { once: true });
        await done;
      },
    );
    this.listeners.emit('confirmed', { destination, latencyMs: performance.now() - started });
  }

  async subscribe(
    destination: Destination,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.keeper.checkUsable('subscribe');
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
      dispatcher: new DeliveryDispatcher(
        handler,
        prefetch,
        checkedNumber(
          'redeliveryDelayMs',
          options.redeliveryDelayMs,
          this.settings.redeliveryDelayMs,
        ),
      ),
      closed: false,
    };
    this.subscriptions.set(id, live);
    try {
      await withDeadline(
        transportDeadline('subscribe', options, this.settings.publishTimeoutMs),
        async (signal) => {
          const session = await this.keeper.waitForSession('subscribe', signal);
          const { done, cancel } = session.subscribe(id, this.subscribeHeaders(live));
          signal.addEventListener('abort', cancel, { once: true });
          await done;
        },
      );
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
    return this.keeper.close(() => {
      for (const live of this.subscriptions.values()) {
        live.closed = true;
        live.dispatcher.close();
      }
      this.subscriptions.clear();
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async open(endpoint: StompEndpoint, signal: AbortSignal): Promise<StompSession> {
    const { StompSession } = await import('./stomp-session.js');
    return StompSession.open(
      endpoint,
      {
        timeoutMs: this.settings.connectTimeoutMs,
        heartbeatMs: this.settings.heartbeatMs,
        clientId: this.settings.clientId,
        rejectUnauthorized: this.settings.rejectUnauthorized,
        signal,
      },
      {
        message: (session, id, frame) => this.onMessage(session, id, frame),
        lost: (session, error) => this.keeper.sessionLost(session, error),
      },
    );
  }

  private resubscribe(session: StompSession): void {
    trace(
      'stomp connected to %s (STOMP %s, %s)',
      session.endpoint.label,
      session.version,
      session.server ?? 'unknown server',
    );
    for (const live of this.subscriptions.values()) {
      if (live.closed) continue;
      // Not awaited: an ERROR to SUBSCRIBE ends the session, which reconnects.
      session
        .subscribe(live.id, this.subscribeHeaders(live))
        .done.catch((err: unknown) => trace('re-subscribe %s: %o', live.destination, err));
    }
  }

  /** RabbitMQ declares `/queue/` queues on SEND and SUBSCRIBE; the arguments must match. */
  private declareHeaders(
    destination: Destination,
    frame: 'SEND' | 'SUBSCRIBE',
  ): Record<string, string> {
    if (!destination.startsWith('/queue/')) return {};
    const declaration = this.settings.queueDeclaration;
    return frame === 'SEND'
      ? { ...declaration.arguments }
      : { ...declaration.arguments, ...declaration.subscribeProperties };
  }

  private subscribeHeaders(live: LiveSubscription): Record<string, string> {
    return {
      destination: live.destination,
      ...this.declareHeaders(live.destination, 'SUBSCRIBE'),
      // RabbitMQ reads `prefetch-count`, ActiveMQ `activemq.prefetchSize`; the dispatcher bounds
      // concurrency on any broker.
      'prefetch-count': String(live.prefetch),
      'activemq.prefetchSize': String(live.prefetch),
    };
  }

  private onMessage(session: StompSession, id: string, frame: StompMessageFrame): void {
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
    const delivery: DispatchedMessage = {
      message,
      ack: () => session.send('ACK', ackHeaders),
      // Acks name deliveries of one connection; after it ended the broker redelivers anyway.
      stale: () => !session.alive,
      ...(nack === undefined ? {} : { nack }),
    };
    live.dispatcher.push(delivery);
  }

  private async unsubscribe(live: LiveSubscription, options?: WaitOptions): Promise<void> {
    if (live.closed) return;
    live.closed = true;
    this.subscriptions.delete(live.id);
    const session = this.keeper.session;
    try {
      if (session !== undefined) {
        await withDeadline(
          transportDeadline('unsubscribe', options, this.settings.publishTimeoutMs),
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

/** STOMP 1.0 cannot escape line breaks in headers, and no version can carry a NUL. */
function checkHeader(name: string, value: string): void {
  if (name === '' || /[\r\n\0:]/.test(name) || /[\r\n\0]/.test(value)) {
    throw new TypeError(
      `publish: header '${name.replace(/[\r\n\0]/g, '?')}' has an empty name or a line break, NUL (or ':' in the name)`,
    );
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
