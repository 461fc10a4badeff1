/**
 * A stand-in broker link for tests whose endpoint runs in a child process: the child's
 * `HttpBridgeTransport` publishes by HTTP POST to a loopback server in the test process, which
 * stores the message in its in-memory transport and answers 200 only then (the confirmation).
 * Test-only: the real links are the STOMP/MQTT transports and the embedded broker.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  TransportClosedError,
  TransportError,
  type Destination,
  type PublishOptions,
  type Subscription,
  type Transport,
  type TransportListener,
  type TransportState,
} from '../../../transports/index.js';

export class HttpBridgeTransport implements Transport {
  readonly scheme = 'bridge';
  state: TransportState = 'idle';

  constructor(private readonly url: string) {}

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
    const response = await fetch(this.url, {
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

  subscribe(): Promise<Subscription> {
    return Promise.reject(new Error('the HTTP bridge only publishes'));
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
  readonly url: string;
  /** Message ids in the order they were stored. */
  readonly stored: string[];
}

/** Serves the bridge on loopback, storing into `into`. */
export async function startBridge(into: Transport): Promise<Bridge> {
  const stored: string[] = [];
  const server = createServer((req, res) => {
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
    url: `http://127.0.0.1:${port}/publish`,
    stored,
    [Symbol.asyncDispose]: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
