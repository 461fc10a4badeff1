/**
 * `memory://<hub>`: the in-memory transport for unit tests. It keeps the contract of the real
 * ones (publish resolves after the hub stored the message, handlers ack or nack, no auto-ack)
 * but nothing survives the process.
 */
import type {
  Destination,
  MessageHandler,
  PublishOptions,
  SubscribeOptions,
  Subscription,
  Transport,
  TransportListener,
  TransportState,
  WaitOptions,
} from '../transport.js';
import { MESSAGE_ID_HEADER } from '../transport.js';
import { TransportClosedError, TransportError } from '../errors.js';
import { parseDestination } from '../destination.js';
import { memoryHub, type HubConsumer, type MemoryHub } from './hub.js';
import { checkedNumber } from '../support/options.js';

export class MemoryTransport implements Transport {
  readonly scheme = 'memory';
  private currentState: TransportState = 'idle';
  private readonly hub: MemoryHub;
  private readonly listeners = new Set<TransportListener>();
  private readonly consumers = new Set<HubConsumer>();
  private closing: Promise<void> | undefined;

  constructor(readonly hubName: string) {
    this.hub = memoryHub(hubName);
  }

  get state(): TransportState {
    return this.currentState;
  }

  connect(_options?: WaitOptions): Promise<void> {
    if (this.currentState === 'closed') return Promise.reject(new TransportClosedError('connect'));
    if (this.currentState !== 'connected') this.transition('connected');
    return Promise.resolve();
  }

  publish(
    destination: Destination,
    body: Buffer | string,
    options: PublishOptions = {},
  ): Promise<void> {
    const failure = this.check('publish', destination);
    if (failure !== undefined) return Promise.reject(failure);
    const headers: Record<string, string> = { ...options.headers };
    if (options.messageId !== undefined) headers[MESSAGE_ID_HEADER] = options.messageId;
    const started = performance.now();
    this.hub.enqueue(destination, typeof body === 'string' ? Buffer.from(body) : body, headers);
    const latencyMs = performance.now() - started;
    for (const listener of this.listeners) listener.confirmed?.({ destination, latencyMs });
    return Promise.resolve();
  }

  subscribe(
    destination: Destination,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const failure = this.check('subscribe', destination);
    if (failure !== undefined) return Promise.reject(failure);
    const prefetch = options.prefetch ?? 1;
    if (!Number.isInteger(prefetch) || prefetch < 1) {
      return Promise.reject(
        new TypeError(`subscribe: prefetch must be a whole number >= 1, got ${String(prefetch)}`),
      );
    }
    try {
      // The hub offers a nacked message again at once: no redelivery delay to override.
      checkedNumber('redeliveryDelayMs', options.redeliveryDelayMs, 0);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const consumer = this.hub.addConsumer(destination, handler, prefetch);
    this.consumers.add(consumer);
    return Promise.resolve({
      destination,
      unsubscribe: () => {
        this.consumers.delete(consumer);
        this.hub.removeConsumer(consumer);
        return Promise.resolve();
      },
    });
  }

  listen(listener: TransportListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    this.closing ??= Promise.resolve().then(() => {
      for (const consumer of this.consumers) this.hub.removeConsumer(consumer);
      this.consumers.clear();
      if (this.currentState !== 'closed') this.transition('closed');
    });
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** The error an operation on `destination` would fail with now, if any. */
  private check(operation: string, destination: string): Error | undefined {
    if (this.currentState === 'closed') return new TransportClosedError(operation);
    if (this.currentState !== 'connected') {
      return new TransportError(
        'TRANSPORT_NOT_CONNECTED',
        `${operation}: call connect() first`,
        false,
      );
    }
    try {
      parseDestination(destination);
      return undefined;
    } catch (err) {
      return err as Error;
    }
  }

  private transition(to: TransportState): void {
    const from = this.currentState;
    this.currentState = to;
    const url = `memory://${this.hubName}`;
    for (const listener of this.listeners) listener.stateChange?.({ from, to, url });
  }
}

/** Registered as the `memory` scheme: `memory://<hub name>`. */
export function createMemoryTransport(urls: readonly URL[]): Transport {
  const url = urls[0] as URL;
  return new MemoryTransport(url.host || url.pathname.replace(/^\/+/, '') || 'default');
}
