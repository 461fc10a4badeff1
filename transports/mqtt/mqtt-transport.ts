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
import {
  NotConnectedError,
  TransportAuthError,
  TransportClosedError,
  TransportConnectError,
  TransportError,
  TransportOptionError,
} from '../errors.js';
import { parseDestination } from '../destination.js';
import {
  Backoff,
  DEFAULT_RECONNECT_INITIAL_MS,
  DEFAULT_RECONNECT_MAX_MS,
} from '../support/backoff.js';
import { sleep, withDeadline } from '../support/deadline.js';
import { DEFAULT_REDELIVERY_DELAY_MS, Dispatcher } from '../support/dispatcher.js';
import { Listeners } from '../support/listeners.js';
import { checkedNumber, numberParam } from '../support/options.js';
import { ConnectionState } from '../support/state.js';
import { DEFAULT_SHARE_GROUP, parseMqttUrl, type MqttEndpoint } from './mqtt-url.js';
import { MqttSession } from './mqtt-session.js';

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

interface Settings {
  readonly clientId: string;
  readonly group: string;
  readonly connectTimeoutMs: number;
  readonly publishTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  readonly redeliveryDelayMs: number;
  readonly sessionExpirySec: number;
  readonly receiveMaximum: number;
  readonly rejectUnauthorized: boolean;
}

interface LiveSubscription {
  readonly destination: Destination;
  readonly name: string;
  readonly filter: string;
  readonly dispatcher: Dispatcher;
  closed: boolean;
}

interface Orphan {
  readonly session: MqttSession;
  readonly packet: IPublishPacket;
}

export class MqttTransport implements Transport {
  readonly scheme: string;
  private readonly endpoints: readonly MqttEndpoint[];
  private readonly settings: Settings;
  private readonly listeners = new Listeners();
  private readonly machine: ConnectionState;
  private session: MqttSession | undefined;
  /** Live subscriptions by MQTT topic name. */
  private readonly subscriptions = new Map<string, LiveSubscription>();
  private readonly orphans: Orphan[] = [];
  private connecting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly shutdown = new AbortController();
  private readonly connectedWaiters = new Set<() => void>();
  private readonly backoff: Backoff;
  private next = 0;
  /** Why each attempt of the current `connect()` failed. */
  private failures: string[] = [];

  constructor(urls: readonly URL[], options: TransportOptions = {}) {
    this.endpoints = urls.map(parseMqttUrl);
    const first = this.endpoints[0] as MqttEndpoint;
    this.scheme = first.tls ? 'mqtts' : 'mqtt';
    const p = first.params;
    const clientId = p.get('clientId') ?? options.clientId;
    if (clientId === undefined || clientId === '') {
      throw new TransportOptionError(
        'clientId',
        'is required for MQTT: a persistent session (clean: false) keeps unacknowledged messages only under a fixed client id',
      );
    }
    const num = (name: keyof TransportOptions & keyof Settings, fallback: number, min: number) =>
      numberParam(
        p,
        name,
        checkedNumber(name, options[name] as number | undefined, fallback, min),
        min,
      );
    this.settings = {
      clientId,
      group: p.get('group') ?? DEFAULT_SHARE_GROUP,
      connectTimeoutMs: num('connectTimeoutMs', DEFAULT_MQTT_CONNECT_TIMEOUT_MS, 1),
      publishTimeoutMs: num('publishTimeoutMs', DEFAULT_MQTT_PUBLISH_TIMEOUT_MS, 1),
      heartbeatMs: num('heartbeatMs', DEFAULT_MQTT_HEARTBEAT_MS, 0),
      reconnectInitialMs: num('reconnectInitialMs', DEFAULT_RECONNECT_INITIAL_MS, 1),
      reconnectMaxMs: num('reconnectMaxMs', DEFAULT_RECONNECT_MAX_MS, 1),
      redeliveryDelayMs: num('redeliveryDelayMs', DEFAULT_REDELIVERY_DELAY_MS, 0),
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
    this.backoff = new Backoff(
      this.settings.reconnectInitialMs,
      Math.max(this.settings.reconnectInitialMs, this.settings.reconnectMaxMs),
    );
    this.machine = new ConnectionState(this.scheme, this.listeners);
  }

  get state(): TransportState {
    return this.machine.value;
  }

  /** The profile of the broker currently (or first) configured. */
  get broker(): MqttEndpoint['broker'] {
    const endpoint: MqttEndpoint = this.session?.endpoint ?? (this.endpoints[0] as MqttEndpoint);
    return endpoint.broker;
  }

  connect(options?: WaitOptions): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new TransportClosedError('connect'));
    if (this.state === 'connected' || this.state === 'reconnecting') return Promise.resolve();
    if (this.connecting === undefined) {
      this.failures = [];
      this.connecting = withDeadline(
        'connect',
        options,
        DEFAULT_MQTT_CONNECT_DEADLINE_MS,
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
              `no MQTT broker reachable within the deadline: ${reasons}`,
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
    const { kind, name } = parseDestination(destination);
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    const properties: Record<string, string> = { ...options.headers };
    if (options.messageId !== undefined) properties[MESSAGE_ID_HEADER] = options.messageId;
    const started = performance.now();
    await withDeadline('publish', options, this.settings.publishTimeoutMs, async (signal) => {
      const session = await this.connectedSession(signal);
      await session.publish(
        name,
        payload,
        Object.keys(properties).length === 0 ? undefined : properties,
        kind === 'queue',
      );
    });
    this.listeners.emit('confirmed', { destination, latencyMs: performance.now() - started });
  }

  async subscribe(
    destination: Destination,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.usable('subscribe');
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
      dispatcher: new Dispatcher(handler, prefetch, this.settings.redeliveryDelayMs),
      closed: false,
    };
    this.subscriptions.set(name, live);
    // Backlog that arrived before this call goes first, in arrival order.
    this.adoptOrphans(live);
    try {
      await withDeadline('subscribe', options, this.settings.publishTimeoutMs, async (signal) => {
        const session = await this.connectedSession(signal);
        await session.subscribe(live.filter);
      });
    } catch (err) {
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
    this.closing ??= (async () => {
      const from = this.state;
      this.shutdown.abort(new TransportClosedError('connect'));
      for (const live of this.subscriptions.values()) {
        live.closed = true;
        live.dispatcher.close();
      }
      this.subscriptions.clear();
      this.orphans.length = 0;
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
    if (this.state === 'idle') throw new NotConnectedError(operation);
  }

  private urlLabel(): string {
    return (
      this.session?.endpoint.label ??
      (this.endpoints[this.next % this.endpoints.length] as MqttEndpoint).label
    );
  }

  private async connectedSession(signal: AbortSignal): Promise<MqttSession> {
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
          const endpoint = this.endpoints[this.next % this.endpoints.length] as MqttEndpoint;
          try {
            await this.open(endpoint, combined);
            return;
          } catch (err) {
            if (combined.aborted) throw err;
            this.listeners.emit('error', err as Error);
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

  private async open(endpoint: MqttEndpoint, signal: AbortSignal): Promise<void> {
    const session = await MqttSession.open(
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
        message: (from, packet) => this.onMessage(from, packet),
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
      'mqtt connected to %s (v%d, session present: %s)',
      endpoint.label,
      endpoint.protocolVersion,
      session.sessionPresent,
    );
    for (const live of this.subscriptions.values()) {
      if (!live.closed)
        session
          .subscribe(live.filter)
          .catch((err: unknown) => this.listeners.emit('error', err as Error));
    }
    this.machine.transitionTo(['connecting', 'reconnecting'], 'connected', endpoint.label);
    this.warn(endpoint);
    for (const wake of this.connectedWaiters) wake();
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
    if (endpoint.protocolVersion === 4) {
      warnings.push({
        code: 'MQTT_NO_HEADERS',
        message:
          'MQTT 3.1.1 carries no headers: aes-message-id and other headers are not sent, so consumers cannot drop duplicates by message id.',
      });
    }
    for (const warning of warnings) {
      if (this.listeners.has('warning')) {
        this.listeners.emit('warning', { ...warning, url: endpoint.label });
      } else {
        process.emitWarning(`${endpoint.label}: ${warning.message}`, { code: warning.code });
      }
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
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(packet.properties?.userProperties ?? {})) {
      headers[key] = Array.isArray(value) ? value.join(',') : value;
    }
    const messageId = packet.messageId;
    live.dispatcher.push({
      message: {
        destination: live.destination,
        body: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
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

  private onLost(session: MqttSession, error: Error): void {
    if (this.session !== session || this.state === 'closed') return;
    this.session = undefined;
    for (const live of this.subscriptions.values()) live.dispatcher.dropStale();
    this.listeners.emit('error', error);
    if (!this.machine.transitionTo(['connected'], 'reconnecting', session.endpoint.label, error))
      return;
    this.next += 1;
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    const signal = this.shutdown.signal;
    while (this.state === 'reconnecting' && !signal.aborted) {
      try {
        await sleep(this.backoff.next(), signal);
      } catch {
        return;
      }
      const endpoint = this.endpoints[this.next % this.endpoints.length] as MqttEndpoint;
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
    this.subscriptions.delete(live.name);
    const session = this.session;
    try {
      if (session?.alive === true) {
        await withDeadline('unsubscribe', options, this.settings.publishTimeoutMs, () =>
          session.unsubscribe(live.filter),
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
