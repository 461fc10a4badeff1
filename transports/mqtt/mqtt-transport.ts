/**
 * `mqtt://` and `mqtts://`: the MQTT transport over mqtt.js. QoS 1 both ways, a persistent
 * session under a fixed client id (`clean: false`), PUBACK only after the handler succeeded.
 * `/queue/<name>` is a shared subscription `$share/<group>/<name>` where the broker has them and
 * the client's own session otherwise; `/topic/<name>` is the plain topic `<name>`.
 *
 * MQTT has no NACK: when a handler fails, the message stays unacknowledged at the broker and the
 * transport runs it again locally after a growing delay (delivery count +1). If the connection
 * drops meanwhile, the broker redelivers it on the next session (`redelivered`, DUP flag).
 */
import { debuglog } from 'node:util';
import type { IPublishPacket } from 'mqtt';
import type {
  Destination,
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
import { TransportError, TransportOptionError } from '../errors.js';
import { parseDestination } from '../destination.js';
import { ConnectionKeeper } from '../support/connection-keeper.js';
import { withDeadline } from '../../util/index.js';
import { DEFAULT_REDELIVERY_DELAY_MS, DeliveryDispatcher } from '../support/dispatcher.js';
import { Listeners } from '../support/listeners.js';
import {
  DEFAULT_RECONNECT_INITIAL_MS,
  DEFAULT_RECONNECT_MAX_MS,
  checkedNumber,
  commonSettings,
  numberParam,
  transportDeadline,
  type CommonSettings,
} from '../support/options.js';
import type { MqttBrokerProfile } from './brokers.js';
import { unwrapEnvelope, wrapEnvelope } from './envelope.js';
import { DEFAULT_SHARE_GROUP, parseMqttUrl, type MqttEndpoint } from './mqtt-url.js';
// mqtt.js loads on the first connection, not with the transport (see registry.ts).
import type { MqttSession } from './mqtt-session.js';

const trace = debuglog('aes-transport');

export const DEFAULT_MQTT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_MQTT_CONNECT_DEADLINE_MS = 30_000;
export const DEFAULT_MQTT_PUBLISH_TIMEOUT_MS = 30_000;
export const DEFAULT_MQTT_HEARTBEAT_MS = 30_000;
/** One week: how long the broker keeps an MQTT 5 session while the client is away. */
export const DEFAULT_MQTT_SESSION_EXPIRY_SEC = 604_800;
export const DEFAULT_MQTT_RECEIVE_MAXIMUM = 100;
/** Messages kept for destinations not (yet) subscribed in this process; beyond, left unacked. */
const MAX_ORPHANS = 10_000;

const DEFAULTS: CommonSettings = {
  connectTimeoutMs: DEFAULT_MQTT_CONNECT_TIMEOUT_MS,
  publishTimeoutMs: DEFAULT_MQTT_PUBLISH_TIMEOUT_MS,
  heartbeatMs: DEFAULT_MQTT_HEARTBEAT_MS,
  reconnectInitialMs: DEFAULT_RECONNECT_INITIAL_MS,
  reconnectMaxMs: DEFAULT_RECONNECT_MAX_MS,
  redeliveryDelayMs: DEFAULT_REDELIVERY_DELAY_MS,
};

interface Settings extends CommonSettings {
  readonly clientId: string;
  readonly group: string;
  readonly sessionExpirySec: number;
  readonly receiveMaximum: number;
  readonly rejectUnauthorized: boolean;
}

interface LiveSubscription {
  readonly destination: Destination;
  readonly name: string;
  readonly filter: string;
  readonly dispatcher: DeliveryDispatcher;
  closed: boolean;
}

interface Orphan {
  readonly session: MqttSession;
  readonly packet: IPublishPacket;
}

export class MqttTransport implements Transport {
  readonly scheme: string;
  private readonly settings: Settings;
  private readonly listeners = new Listeners();
  private readonly keeper: ConnectionKeeper<MqttEndpoint, MqttSession>;
  /** Live subscriptions by MQTT topic name. */
  private readonly subscriptions = new Map<string, LiveSubscription>();
  private readonly orphans: Orphan[] = [];

  constructor(urls: readonly URL[], options: TransportOptions = {}) {
    const endpoints = urls.map(parseMqttUrl);
    const first = endpoints[0] as MqttEndpoint;
    this.scheme = first.tls ? 'mqtts' : 'mqtt';
    const p = first.params;
    const clientId = p.get('clientId') ?? options.clientId;
    if (clientId === undefined || clientId === '') {
      throw new TransportOptionError(
        'clientId',
        'is required for MQTT: a persistent session (clean: false) keeps unacknowledged messages only under a fixed client id',
      );
    }
    this.settings = {
      ...commonSettings(p, options, DEFAULTS),
      clientId,
      group: p.get('group') ?? DEFAULT_SHARE_GROUP,
      sessionExpirySec: numberParam(p, 'sessionExpirySec', DEFAULT_MQTT_SESSION_EXPIRY_SEC, 0),
      receiveMaximum: numberParam(p, 'receiveMaximum', DEFAULT_MQTT_RECEIVE_MAXIMUM, 1),
      rejectUnauthorized: p.get('rejectUnauthorized') !== 'false',
    };
    if (!/^[A-Za-z0-9_.-]+$/.test(this.settings.group)) {
      throw new TransportOptionError(
        'group',
        `must be made of [A-Za-z0-9_.-], got '${this.settings.group}'`,
      );
    }
    this.keeper = new ConnectionKeeper(
      {
        protocol: 'MQTT',
        scheme: this.scheme,
        connectDeadlineMs: DEFAULT_MQTT_CONNECT_DEADLINE_MS,
        reconnectInitialMs: this.settings.reconnectInitialMs,
        reconnectMaxMs: this.settings.reconnectMaxMs,
      },
      endpoints,
      this.listeners,
      {
        open: (endpoint, signal) => this.open(endpoint, signal),
        opened: (session, endpoint) => this.opened(session, endpoint),
        lost: () => {
          for (const live of this.subscriptions.values()) live.dispatcher.dropStale();
        },
      },
    );
  }

  get state(): TransportState {
    return this.keeper.state;
  }

  /** The profile of the broker connected to (or tried next). */
  get broker(): MqttBrokerProfile {
    return this.keeper.endpoint.broker;
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
    const { kind, name } = parseDestination(destination);
    const raw = typeof body === 'string' ? Buffer.from(body) : body;
    const properties: Record<string, string> = { ...options.headers };
    if (options.messageId !== undefined) properties[MESSAGE_ID_HEADER] = options.messageId;
    const hasHeaders = Object.keys(properties).length > 0;
    const started = performance.now();
    await withDeadline(
      transportDeadline('publish', options, this.settings.publishTimeoutMs),
      async (signal) => {
        const session = await this.keeper.waitForSession('publish', signal);
        // MQTT 3.1.1: the headers ride in the payload (the endpoint of this very session decides).
        const enveloped = session.endpoint.envelope;
        await session.publish(
          name,
          enveloped ? wrapEnvelope(properties, raw) : raw,
          enveloped || !hasHeaders ? undefined : properties,
          kind === 'queue',
        );
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
    const { kind, name } = parseDestination(destination);
    const prefetch = options.prefetch ?? 1;
    if (!Number.isInteger(prefetch) || prefetch < 1) {
      throw new TypeError(
        `subscribe: prefetch must be a whole number >= 1, got ${String(prefetch)}`,
      );
    }
    if (this.subscriptions.has(name)) {
      throw new TransportError(
        'TRANSPORT_BAD_DESTINATION',
        `subscribe: '${name}' is already subscribed on this MQTT client (one session receives each message once); use another transport with its own clientId`,
        false,
      );
    }
    const shared = kind === 'queue' && this.broker.sharedSubscriptions;
    const live: LiveSubscription = {
      destination,
      name,
      filter: shared ? `$share/${this.settings.group}/${name}` : name,
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
    this.subscriptions.set(name, live);
    // Backlog that arrived before this call goes first, in arrival order.
    this.adoptOrphans(live);
    try {
      await withDeadline(
        transportDeadline('subscribe', options, this.settings.publishTimeoutMs),
        async (signal) => {
          const session = await this.keeper.waitForSession('subscribe', signal);
          await session.subscribe(live.filter);
        },
      );
    } catch (err) {
      // A connection lost meanwhile re-subscribes it; any other failure withdraws it.
      if (!(err instanceof TransportError && err.code === 'TRANSPORT_CONNECTION_LOST')) {
        live.closed = true;
        live.dispatcher.close();
        this.subscriptions.delete(name);
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
      this.orphans.length = 0;
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async open(endpoint: MqttEndpoint, signal: AbortSignal): Promise<MqttSession> {
    const { MqttSession } = await import('./mqtt-session.js');
    return MqttSession.open(
      endpoint,
      {
        clientId: this.settings.clientId,
        timeoutMs: this.settings.connectTimeoutMs,
        keepaliveSec: Math.round(this.settings.heartbeatMs / 1000),
        sessionExpirySec: this.settings.sessionExpirySec,
        receiveMaximum: this.settings.receiveMaximum,
        rejectUnauthorized: this.settings.rejectUnauthorized,
        signal,
      },
      {
        message: (session, packet) => this.onMessage(session, packet),
        lost: (session, error) => this.keeper.sessionLost(session, error),
      },
    );
  }

  /** Subscribes again (even when the session is present: it may be another broker), warns. */
  private opened(session: MqttSession, endpoint: MqttEndpoint): void {
    trace(
      'mqtt connected to %s (v%d, session present: %s)',
      endpoint.label,
      endpoint.protocolVersion,
      session.sessionPresent,
    );
    for (const live of this.subscriptions.values()) {
      if (live.closed) continue;
      session
        .subscribe(live.filter)
        .catch((err: unknown) => trace('re-subscribe %s: %o', live.filter, err));
    }
    this.warn(endpoint);
  }

  /** Start-up warnings the operator must see: non-durable acknowledgements, no headers. */
  private warn(endpoint: MqttEndpoint): void {
    const warnings: { code: string; message: string }[] = [];
    if (endpoint.broker.warning !== undefined) {
      warnings.push({
        code:
          endpoint.broker.durableAck === false
            ? 'MQTT_ACK_NOT_DURABLE'
            : 'MQTT_ACK_DURABILITY_UNKNOWN',
        message: endpoint.broker.warning,
      });
    }
    if (endpoint.protocolVersion === 4 && !endpoint.envelope) {
      warnings.push({
        code: 'MQTT_NO_HEADERS',
        message:
          'MQTT 3.1.1 carries no headers and envelope=off: aes-message-id and other headers are not sent, so consumers cannot drop duplicates by message id.',
      });
    }
    for (const warning of warnings) this.emitWarning(warning.code, warning.message, endpoint.label);
  }

  private emitWarning(code: string, message: string, url = this.keeper.endpoint.label): void {
    if (this.listeners.has('warning')) {
      this.listeners.emit('warning', { code, message, url });
    } else {
      process.emitWarning(`${url}: ${message}`, { code });
    }
  }

  private onMessage(session: MqttSession, packet: IPublishPacket): void {
    const live = this.subscriptions.get(packet.topic);
    if (live === undefined || live.closed) {
      // A persistent session's backlog arrives right after CONNACK, before subscribe() is
      // called again: keep it (unacknowledged) for the subscription that claims it.
      if (this.orphans.length < MAX_ORPHANS) this.orphans.push({ session, packet });
      return;
    }
    this.deliver(live, session, packet);
  }

  private deliver(live: LiveSubscription, session: MqttSession, packet: IPublishPacket): void {
    let headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(packet.properties?.userProperties ?? {})) {
      headers[key] = Array.isArray(value) ? value.join(',') : value;
    }
    let body = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (session.endpoint.envelope) {
      const unwrapped = unwrapEnvelope(body);
      if (unwrapped.kind === 'envelope') {
        headers = { ...unwrapped.headers, ...headers };
        body = unwrapped.body;
      } else if (unwrapped.kind === 'malformed') {
        // Delivered whole, never dropped; the operator learns why it has no headers.
        this.emitWarning('MQTT_BAD_ENVELOPE', `${packet.topic}: ${unwrapped.reason}`);
      }
    }
    const messageId = packet.messageId;
    live.dispatcher.push({
      message: {
        destination: live.destination,
        body,
        headers,
        messageId: headers[MESSAGE_ID_HEADER],
        // MQTT reports only the DUP flag; later local redeliveries count up from here.
        deliveryCount: packet.dup ? 2 : 1,
        redelivered: packet.dup,
      },
      ack: () => {
        if (messageId !== undefined) session.puback(messageId);
      },
      stale: () => !session.alive,
    });
  }

  private adoptOrphans(live: LiveSubscription): void {
    for (let i = 0; i < this.orphans.length;) {
      const orphan = this.orphans[i] as Orphan;
      if (!orphan.session.alive) {
        this.orphans.splice(i, 1);
      } else if (orphan.packet.topic === live.name) {
        this.orphans.splice(i, 1);
        this.deliver(live, orphan.session, orphan.packet);
      } else {
        i += 1;
      }
    }
  }

  private async unsubscribe(live: LiveSubscription, options?: WaitOptions): Promise<void> {
    if (live.closed) return;
    live.closed = true;
    this.subscriptions.delete(live.name);
    const session = this.keeper.session;
    try {
      if (session !== undefined) {
        await withDeadline(
          transportDeadline('unsubscribe', options, this.settings.publishTimeoutMs),
          () => session.unsubscribe(live.filter),
        );
      }
    } finally {
      // Unacknowledged deliveries stay with the broker until this session ends.
      live.dispatcher.close();
    }
  }
}

/** Registered as the `mqtt` and `mqtts` schemes. */
export function createMqttTransport(urls: readonly URL[], options: TransportOptions): Transport {
  return new MqttTransport(urls, options);
}
