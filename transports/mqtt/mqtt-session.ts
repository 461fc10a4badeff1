/**
 * One MQTT connection through an mqtt.js client, with its traps handled:
 * - the client is built with `manualConnect` and our PUBLISH hook is installed before CONNECT,
 *   so a persistent session's backlog (sent right after CONNACK) is never PUBACKed unseen;
 * - incoming QoS 1 messages are not PUBACKed by mqtt.js: `handleMessage` declines, and the PUBACK
 *   is sent once the handler succeeded. (mqtt.js processes packets one at a time and waits for
 *   `handleMessage`, so holding its callback would stall PUBACKs of our own publishes and
 *   keep-alive replies behind a slow handler.)
 * - connecting has its own deadline: a broker that closes without CONNACK (RabbitMQ given an
 *   MQTT 5 CONNECT) or never answers cannot leave the attempt hanging;
 * - mqtt.js's own reconnect is off (`reconnectPeriod: 0`); `MqttTransport` opens a new session.
 */
import { isIP } from 'node:net';
import { debuglog } from 'node:util';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import {
  ConnectionLostError,
  PublishRejectedError,
  TransportAuthError,
  TransportConnectError,
  TransportError,
  isTlsTrustError,
} from '../errors.js';
import type { MqttEndpoint } from './mqtt-url.js';

const trace = debuglog('aes-transport');

/** CONNACK codes meaning "wrong credentials" (3.1.1: 4, 5; MQTT 5: 134, 135). */
const AUTH_CODES = new Set([4, 5, 134, 135]);
const DISCONNECT_WAIT_MS = 2000;

export interface MqttSessionEvents {
  /** A QoS 1 PUBLISH, not yet acknowledged. */
  message(session: MqttSession, packet: IPublishPacket): void;
  /** The connection ended (not through `close()`); the session is dead. */
  lost(session: MqttSession, error: Error): void;
}

export interface MqttOpenOptions {
  readonly clientId: string;
  readonly timeoutMs: number;
  readonly keepaliveSec: number;
  readonly sessionExpirySec: number;
  readonly receiveMaximum: number;
  readonly rejectUnauthorized: boolean;
  readonly signal: AbortSignal;
}

/** mqtt.js sends PUBACK only through this internal method; it is stable across v5. */
interface ClientInternals {
  _sendPacket(packet: { cmd: 'puback'; messageId: number }, cb?: () => void): void;
}

export class MqttSession {
  private ended = false;
  private closing: Promise<void> | undefined;
  private readonly pending = new Set<(error: Error) => void>();
  /** Packet ids whose MQTT 5 PUBACK said "no matching subscribers" (reason 16). */
  private readonly unrouted = new Set<number>();

  private constructor(
    private readonly client: MqttClient,
    readonly endpoint: MqttEndpoint,
    private readonly events: MqttSessionEvents,
    /** True when the broker resumed a stored session (its subscriptions still exist). */
    readonly sessionPresent: boolean,
  ) {}

  get alive(): boolean {
    return !this.ended;
  }

  static open(
    endpoint: MqttEndpoint,
    options: MqttOpenOptions,
    events: MqttSessionEvents,
  ): Promise<MqttSession> {
    return new Promise((resolve, reject) => {
      const clientOptions: IClientOptions = {
        host: endpoint.host,
        port: endpoint.port,
        protocol: endpoint.tls ? 'mqtts' : 'mqtt',
        clientId: options.clientId,
        clean: false,
        protocolVersion: endpoint.protocolVersion,
        keepalive: options.keepaliveSec,
        connectTimeout: options.timeoutMs,
        reconnectPeriod: 0,
        resubscribe: false,
        manualConnect: true,
        rejectUnauthorized: options.rejectUnauthorized,
        ...endpoint.tlsFiles,
      };
      // SNI takes host names only; an IP address there is deprecated.
      if (endpoint.tls && isIP(endpoint.host) === 0) clientOptions.servername = endpoint.host;
      if (endpoint.username !== undefined) clientOptions.username = endpoint.username;
      if (endpoint.password !== undefined) clientOptions.password = endpoint.password;
      if (endpoint.protocolVersion === 5) {
        clientOptions.properties = {
          // MQTT 5 ends a session at disconnect unless it is given an expiry.
          sessionExpiryInterval: options.sessionExpirySec,
          receiveMaximum: options.receiveMaximum,
        };
      }
      const client = mqtt.connect(clientOptions);
      let session: MqttSession | undefined;
      /** QoS 1 messages handled before the 'connect' event; handed over once it fired. */
      const early: IPublishPacket[] = [];
      // Installed before connect(): nothing reaches mqtt.js's automatic PUBACK.
      client.handleMessage = (packet, callback) => {
        if (packet.qos === 1 && session !== undefined) {
          session.events.message(session, packet);
          // Declining makes mqtt.js skip its PUBACK and go on to the next packet.
          callback(new Error('acknowledged by aes after the handler'));
          return;
        }
        if (packet.qos === 1) {
          early.push(packet);
          callback(new Error('acknowledged by aes after the handler'));
          return;
        }
        callback(); // QoS 0 needs no acknowledgement
      };
      let settled = false;
      let lastError: Error | undefined;
      const finish = (error: Error | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        if (error !== undefined) {
          client.end(true);
          reject(error);
        }
      };
      const timer = setTimeout(
        () =>
          finish(
            new TransportConnectError(
              `${endpoint.label}: no CONNACK within ${options.timeoutMs} ms`,
              lastError === undefined ? undefined : { cause: lastError },
            ),
          ),
        options.timeoutMs,
      );
      const onAbort = () => finish(options.signal.reason as Error);
      options.signal.addEventListener('abort', onAbort, { once: true });
      client.on('error', (error) => {
        lastError = error;
        if (session !== undefined) {
          trace('mqtt %s: %s', endpoint.label, error.message);
          return; // 'close' follows and ends the session
        }
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'number' && AUTH_CODES.has(code)) {
          finish(new TransportAuthError(endpoint.label, error.message, { cause: error }));
        } else if (typeof code === 'number') {
          finish(
            new TransportConnectError(`${endpoint.label}: ${error.message}`, { cause: error }),
          );
        }
      });
      client.on('close', () => {
        if (session === undefined && isTlsTrustError(lastError)) {
          finish(
            new TransportConnectError(`${endpoint.label}: ${lastError?.message ?? 'TLS'}`, {
              cause: lastError,
              retryable: false,
            }),
          );
          return;
        }
        if (session !== undefined) {
          session.end(new ConnectionLostError('connection', lastError ? { cause: lastError } : {}));
          return;
        }
        finish(
          new TransportConnectError(
            `${endpoint.label}: connection closed before CONNACK${
              lastError ? ` (${lastError.message})` : ''
            }${endpoint.protocolVersion === 5 ? '; does the broker speak MQTT 5? try protocol=4' : ''}`,
            lastError ? { cause: lastError } : {},
          ),
        );
      });
      client.on('connect', (connack) => {
        if (settled) return;
        const opened = new MqttSession(client, endpoint, events, connack.sessionPresent);
        session = opened;
        // mqtt.js hands the publish callback the stored PUBLISH, not the PUBACK: read its
        // reason code here.
        client.on('packetreceive', (packet) => {
          if (
            packet.cmd === 'puback' &&
            packet.reasonCode === 16 &&
            packet.messageId !== undefined
          ) {
            opened.unrouted.add(packet.messageId);
          }
        });
        finish(undefined);
        resolve(session);
        for (const packet of early.splice(0)) events.message(session, packet);
      });
      client.connect();
    });
  }

  /** Publishes at QoS 1; `done` settles on PUBACK. */
  publish(
    topic: string,
    payload: Buffer,
    userProperties: Record<string, string> | undefined,
    requireSubscriber: boolean,
  ): Promise<void> {
    if (this.ended) return Promise.reject(new ConnectionLostError('publish'));
    return new Promise<void>((resolve, reject) => {
      const onLost = (error: Error) => reject(error);
      this.pending.add(onLost);
      const options: mqtt.IClientPublishOptions = { qos: 1 };
      if (userProperties !== undefined && this.endpoint.protocolVersion === 5) {
        options.properties = { userProperties };
      }
      this.client.publish(topic, payload, options, (error, packet) => {
        this.pending.delete(onLost);
        if (error !== undefined && error !== null) {
          reject(
            this.ended
              ? new ConnectionLostError('publish', { cause: error })
              : new PublishRejectedError(topic, error.message, { cause: error }),
          );
          return;
        }
        // MQTT 5 reason 16: no subscription matched, so the broker stored the message nowhere.
        const id = (packet as { messageId?: number } | undefined)?.messageId;
        const unrouted = id !== undefined && this.unrouted.delete(id);
        if (requireSubscriber && unrouted) {
          reject(
            new PublishRejectedError(
              topic,
              'no matching subscribers: the broker stored the message nowhere (subscribe the consumer once first; its persistent session then keeps messages)',
            ),
          );
          return;
        }
        resolve();
      });
    });
  }

  /** Subscribes at QoS 1 and waits for SUBACK; a refused subscription is an error. */
  subscribe(filter: string): Promise<void> {
    if (this.ended) return Promise.reject(new ConnectionLostError('subscribe'));
    return new Promise<void>((resolve, reject) => {
      const onLost = (error: Error) => reject(error);
      this.pending.add(onLost);
      this.client.subscribe(filter, { qos: 1 }, (error, granted) => {
        this.pending.delete(onLost);
        if (error !== null && error !== undefined) {
          reject(
            new TransportError(
              'TRANSPORT_CONNECTION_LOST',
              `subscribe ${filter}: ${error.message}`,
              true,
              { cause: error },
            ),
          );
          return;
        }
        const qos = granted?.[0]?.qos;
        if (qos === undefined || qos >= 128) {
          reject(
            new TransportError(
              'TRANSPORT_PUBLISH_REJECTED',
              `subscribe ${filter}: the broker refused it (code ${String(qos)})`,
              false,
            ),
          );
          return;
        }
        resolve();
      });
    });
  }

  unsubscribe(filter: string): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onLost = (error: Error) => reject(error);
      this.pending.add(onLost);
      this.client.unsubscribe(filter, (error) => {
        this.pending.delete(onLost);
        if (error !== null && error !== undefined)
          reject(new ConnectionLostError('unsubscribe', { cause: error }));
        else resolve();
      });
    });
  }

  /** Acknowledges an incoming QoS 1 message on this connection. */
  puback(messageId: number): void {
    if (this.ended) return;
    (this.client as unknown as ClientInternals)._sendPacket({ cmd: 'puback', messageId });
  }

  /** Sends DISCONNECT (keeping the persistent session) and closes the socket. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.ended) {
        resolve();
        return;
      }
      this.ended = true;
      this.rejectAll(new ConnectionLostError('close'));
      const timer = setTimeout(() => {
        this.client.end(true);
        resolve();
      }, DISCONNECT_WAIT_MS);
      timer.unref();
      this.client.end(false, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.closing;
  }

  private end(error: Error): void {
    if (this.ended) return;
    this.ended = true;
    trace('mqtt session %s ended: %s', this.endpoint.label, error.message);
    this.rejectAll(error);
    this.client.end(true);
    this.events.lost(this, error);
  }

  private rejectAll(error: Error): void {
    for (const reject of this.pending) reject(error);
    this.pending.clear();
  }
}
