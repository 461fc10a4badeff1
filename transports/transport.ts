/**
 * The `Transport` contract: how endpoints publish to and consume from a message broker.
 * This file holds no implementation; `stomp/`, `mqtt/` and `memory/` implement it.
 *
 * The delivery promise of aes rests on two rules stated here:
 * - `publish()` resolves only once the broker has confirmed that the message is stored
 *   (STOMP RECEIPT, MQTT PUBACK at QoS 1) and rejects with a typed error otherwise.
 * - A subscription never auto-acknowledges: the handler's fulfilled promise acks the message,
 *   a rejected one nacks it (the broker redelivers it, counting deliveries).
 */

/** Message headers. Names are lower-case ASCII; values are strings. */
export type MessageHeaders = Readonly<Record<string, string>>;

/**
 * A destination is `/queue/<name>` (each message to one consumer, competing consumers) or
 * `/topic/<name>` (every current subscriber gets a copy). `<name>` is one or more segments of
 * `[A-Za-z0-9_.-]` separated by `/`. Each transport maps these onto its broker's naming.
 */
export type Destination = `/queue/${string}` | `/topic/${string}`;

/** The header that carries aes's stable message id (`<endpoint>:<fifo id>`) on every broker. */
export const MESSAGE_ID_HEADER = 'aes-message-id';

/** Options common to every call that waits on the network. */
export interface WaitOptions {
  /** Deadline for the whole call, in milliseconds. Each transport documents its default. */
  readonly timeoutMs?: number;
  /** Aborts the wait; the call then rejects with a `TransportAbortedError`. */
  readonly signal?: AbortSignal;
}

export interface PublishOptions extends WaitOptions {
  /** Extra headers; carried to the consumer where the broker supports headers. */
  readonly headers?: MessageHeaders;
  /** The stable message id, sent as the `aes-message-id` header. */
  readonly messageId?: string;
}

/** A message handed to a subscription's handler. */
export interface InboundMessage {
  readonly destination: Destination;
  readonly body: Buffer;
  readonly headers: MessageHeaders;
  /** The `aes-message-id` header, when the publisher set one. */
  readonly messageId: string | undefined;
  /** 1 on first delivery; higher when the broker redelivers (where it reports it, else 1). */
  readonly deliveryCount: number;
  /** True when the broker says this message was delivered before. */
  readonly redelivered: boolean;
}

/** Resolving acks the message; rejecting (or throwing) nacks it. */
export type MessageHandler = (message: InboundMessage) => Promise<void>;

export interface SubscribeOptions extends WaitOptions {
  /** Most unacknowledged messages delivered to this subscription at once. Default 1. */
  readonly prefetch?: number;
  /**
   * This subscription's delay before a message whose handler failed is offered again, in place
   * of the transport's `redeliveryDelayMs` (still doubled per delivery, up to 16×). 0 offers it
   * again at once: for a handler that waits its own delay before it fails, as aes's inbound
   * endpoints do, so that a failing message is not held twice.
   */
  readonly redeliveryDelayMs?: number;
}

export interface Subscription {
  readonly destination: Destination;
  /** Stops deliveries; messages not yet acked go back to the broker. Idempotent. */
  unsubscribe(options?: WaitOptions): Promise<void>;
}

/** Connection states, in the order a transport normally passes through them. */
export type TransportState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface TransportStateChange {
  readonly from: TransportState;
  readonly to: TransportState;
  /** The broker URL concerned, credentials removed. */
  readonly url: string;
  /** Why the change happened, when it was an error. */
  readonly error?: Error;
}

/** Typed events of a transport; every member is optional. */
export interface TransportListener {
  /** The connection changed state. */
  stateChange?(change: TransportStateChange): void;
  /** A publish was confirmed by the broker after `latencyMs`. */
  confirmed?(event: { readonly destination: Destination; readonly latencyMs: number }): void;
  /** A connection attempt or an established connection failed; reconnecting follows unless closed. */
  error?(error: Error): void;
  /**
   * Something the operator must know about this broker, such as an acknowledgement that is not
   * durable (Mosquitto). Raised at start-up (once `connect()` succeeded) and on reconnects.
   */
  warning?(warning: TransportWarning): void;
}

export interface TransportWarning {
  /** Stable identifier, such as `MQTT_ACK_NOT_DURABLE`. */
  readonly code: string;
  readonly message: string;
  /** The broker URL concerned, credentials removed. */
  readonly url: string;
}

export interface Transport extends AsyncDisposable {
  /** The transport's scheme, such as `stomp` or `mqtt`. */
  readonly scheme: string;
  readonly state: TransportState;
  /**
   * Connects to the first reachable broker of its URL list. Later connection losses are
   * repaired in the background with backoff, re-subscribing every live subscription.
   */
  connect(options?: WaitOptions): Promise<void>;
  /** Resolves once the broker confirmed the message is stored; rejects with a `TransportError`. */
  publish(destination: Destination, body: Buffer | string, options?: PublishOptions): Promise<void>;
  subscribe(
    destination: Destination,
    handler: MessageHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /** Adds a listener; returns the function that removes it. */
  listen(listener: TransportListener): () => void;
  /** Closes every connection and subscription. Idempotent: returns the same promise each time. */
  close(): Promise<void>;
}

/** Creates a transport from a parsed URL; registered per scheme (see `registry.ts`). */
export type TransportFactory = (urls: readonly URL[], options: TransportOptions) => Transport;

/** Options every transport accepts; each implementation documents its own extras. */
export interface TransportOptions {
  /** Client identity (MQTT client id, STOMP `client-id` where supported). */
  readonly clientId?: string;
  /** Deadline for each connection attempt. */
  readonly connectTimeoutMs?: number;
  /** Deadline for each publish confirmation, unless the call gives its own. */
  readonly publishTimeoutMs?: number;
  /** First reconnect delay; doubles up to `reconnectMaxMs`, with jitter. */
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  /** Heart-beat / keep-alive interval; 0 switches it off where the protocol allows. */
  readonly heartbeatMs?: number;
  /**
   * Delay before a message whose handler failed is offered again (STOMP: before the NACK;
   * MQTT: before the local redelivery). Doubles per delivery up to 16×.
   */
  readonly redeliveryDelayMs?: number;
}
