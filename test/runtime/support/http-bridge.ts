/**
 * A stand-in broker link for tests whose endpoint runs in a child process. The child's
 * `HttpBridgeTransport` talks to a loopback server in the test process that owns an in-memory
 * transport (the "broker", which outlives the child):
 * - `POST /publish` stores the message and answers 200 only then (the confirmation);
 * - `GET /subscribe` streams deliveries as JSON lines; `POST /settle` acks or nacks one. When the
 *   child dies the stream closes and its unacknowledged messages go back to the queue.
 * Test-only: the real links are the STOMP/MQTT transports and the embedded broker.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  TransportClosedError,
  TransportError,
  type Destination,
  type InboundMessage,
  type MessageHandler,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
  type Transport,
  type TransportListener,
  type TransportState,
} from '../../../transports/index.js';

/** One delivery on the wire of the bridge. */
interface WireDelivery {
  readonly tag: number;
  readonly destination: Destination;
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly messageId: string | null;
  readonly deliveryCount: number;
  readonly redelivered: boolean;
}

export class HttpBridgeTransport implements Transport {
  readonly scheme = 'bridge';
  state: TransportState = 'idle';

  constructor(private readonly baseUrl: string) {}

  connect(): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new TransportClosedError('connect'));
    this.state = 'connected';
    return Promise.resolve();
  }

  async publish(
    destination: Destination,
    body: Buffer | string,
    options: PublishOptions = {},
  ): Promise<void> {
    if (this.state !== 'connected') throw new TransportClosedError('publish');
    const signals = [AbortSignal.timeout(options.timeoutMs ?? 10_000)];
    if (options.signal !== undefined) signals.push(options.signal);
    const response = await fetch(`${this.baseUrl}/publish`, {
      method: 'POST',
      headers: {
        'x-destination': destination,
        'x-message-id': options.messageId ?? '',
        'x-headers': JSON.stringify(options.headers ?? {}),
      },
      body: typeof body === 'string' ? body : new Uint8Array(body),
      signal: AbortSignal.any(signals),
    });
    await response.arrayBuffer();
    if (response.status !== 200) {
      throw new TransportError(
        'TRANSPORT_PUBLISH_REJECTED',
        `bridge said ${response.status}`,
        true,
      );
    }
  }

  async subscribe(
    destination: Destination,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.state !== 'connected') throw new TransportClosedError('subscribe');
    const controller = new AbortController();
    const query = new URLSearchParams({ destination, prefetch: String(options.prefetch ?? 1) });
    const response = await fetch(`${this.baseUrl}/subscribe?${query.toString()}`, {
      signal: controller.signal,
    });
    const body = response.body;
    if (body === null) throw new TransportError('TRANSPORT_CONNECT_FAILED', 'no stream', true);
    // Settles still on their way: unsubscribing waits for them, as a broker connection sends an
    // ack before the unsubscribe that follows it (else the stream's close would requeue the
    // message whose ack is in flight).
    const settling = new Set<Promise<unknown>>();
    const settle = (tag: number, ok: boolean) => {
      const sent = fetch(`${this.baseUrl}/settle?tag=${tag}&ok=${ok ? 1 : 0}`, {
        method: 'POST',
        signal: AbortSignal.timeout(10_000),
      })
        .then((r) => r.arrayBuffer())
        .then(
          () => undefined,
          () => undefined,
        );
      settling.add(sent);
      void sent.finally(() => settling.delete(sent));
    };
    const deliver = (wire: WireDelivery) => {
      const message: InboundMessage = {
        destination: wire.destination,
        body: Buffer.from(wire.body, 'base64'),
        headers: wire.headers,
        messageId: wire.messageId ?? undefined,
        deliveryCount: wire.deliveryCount,
        redelivered: wire.redelivered,
      };
      handler(message).then(
        () => settle(wire.tag, true),
        () => settle(wire.tag, false),
      );
    };
    void (async () => {
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of body) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
          deliver(JSON.parse(buffered.slice(0, end)) as WireDelivery);
          buffered = buffered.slice(end + 1);
        }
      }
    })().catch(() => undefined);
    return {
      destination,
      unsubscribe: async () => {
        await Promise.all(settling);
        controller.abort();
      },
    };
  }

  listen(_listener: TransportListener): () => void {
    return () => undefined;
  }

  close(): Promise<void> {
    this.state = 'closed';
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

export interface Bridge extends AsyncDisposable {
  /** Base URL for `HttpBridgeTransport`. */
  readonly url: string;
  /** Message ids in the order they were stored. */
  readonly stored: string[];
}

/** Serves the bridge on loopback over the transport `into`. */
export async function startBridge(into: Transport): Promise<Bridge> {
  const stored: string[] = [];
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let nextTag = 1;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://bridge');
    if (req.method === 'GET' && url.pathname === '/subscribe') {
      const destination = url.searchParams.get('destination') as Destination;
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.flushHeaders();
      const subscription = into.subscribe(
        destination,
        (m) =>
          new Promise<void>((resolve, reject) => {
            const tag = nextTag++;
            pending.set(tag, { resolve, reject });
            const wire: WireDelivery = {
              tag,
              destination: m.destination,
              body: m.body.toString('base64'),
              headers: { ...m.headers },
              messageId: m.messageId ?? null,
              deliveryCount: m.deliveryCount,
              redelivered: m.redelivered,
            };
            res.write(`${JSON.stringify(wire)}\n`);
          }),
        { prefetch: Number(url.searchParams.get('prefetch') ?? 1) },
      );
      // The subscriber went away (stopped, or killed): its unacked messages return to the queue.
      res.on('close', () => {
        void subscription.then((s) => s.unsubscribe()).catch(() => undefined);
      });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/settle') {
      const tag = Number(url.searchParams.get('tag'));
      const entry = pending.get(tag);
      pending.delete(tag);
      if (url.searchParams.get('ok') === '1') entry?.resolve();
      else entry?.reject(new Error('nacked by the subscriber'));
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const destination = req.headers['x-destination'] as Destination;
      const messageId = String(req.headers['x-message-id'] ?? '');
      const headers = JSON.parse(String(req.headers['x-headers'] ?? '{}')) as Record<
        string,
        string
      >;
      into.publish(destination, Buffer.concat(chunks), { messageId, headers }).then(
        () => {
          stored.push(messageId);
          res.end('stored');
        },
        () => {
          res.statusCode = 500;
          res.end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stored,
    [Symbol.asyncDispose]: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
