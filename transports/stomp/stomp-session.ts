/**
 * One STOMP connection through a stompit `Client`, with stompit's traps handled:
 * - the socket is ours, with Nagle switched off (stompit only does so when heart-beats run,
 *   otherwise every SEND→RECEIPT waits ~44 ms for delayed ACKs);
 * - every MESSAGE body is read as soon as it arrives (stompit reads frames strictly in order, so
 *   an unread body would hold back every later frame, RECEIPTs included);
 * - frames are written through a `CoalescingSink`: one socket write per burst, not three per frame;
 * - SEND carries `content-length` (stompit never sets it; a NUL in the body would end the frame);
 * - receipts are tracked here and every waiter is rejected when the connection ends, instead of
 *   stompit's per-send `onError`, which adds an `error` listener per send;
 * - ERROR frames are read for their `receipt-id`, so the publish they answer is rejected as such.
 * A session is dead after any error; `StompTransport` opens a new one.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { debuglog } from 'node:util';
import stompit from 'stompit';
import {
  ConnectionLostError,
  PublishRejectedError,
  TransportAuthError,
  TransportConnectError,
  TransportError,
  isTlsTrustError,
} from '../errors.js';
import type { StompEndpoint } from './stomp-url.js';
import { CoalescingSink } from './coalescing-sink.js';

const trace = debuglog('aes-transport');

/** ERROR bodies are kept up to this size; longer ones are cut. */
const ERROR_BODY_LIMIT = 4096;
/** How long `close()` waits for the DISCONNECT receipt before dropping the socket. */
const DISCONNECT_WAIT_MS = 2000;

export interface StompMessageFrame {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface SessionEvents {
  /** A MESSAGE for subscription `id`, its body fully read. */
  message(session: StompSession, id: string, frame: StompMessageFrame): void;
  /** The connection ended (not through `close()`); the session is dead. */
  lost(session: StompSession, error: Error): void;
}

interface OpenOptions {
  readonly timeoutMs: number;
  readonly heartbeatMs: number;
  readonly clientId: string | undefined;
  readonly rejectUnauthorized: boolean;
  readonly signal: AbortSignal;
}

interface Waiter {
  readonly operation: string;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** The parts of stompit's Client this file uses beyond its typings. */
interface ClientInternals {
  headers?: Record<string, string>;
  /** Set by us: the endpoint label for error messages. */
  label?: string;
  setCommandHandler(
    command: string,
    handler: (
      this: stompit.Client,
      frame: NodeJS.ReadableStream & { headers: Record<string, string> },
    ) => void,
  ): void;
  destroy(error?: Error): void;
}

export class StompSession {
  private readonly waiters = new Map<string, Waiter>();
  /** SUBSCRIBE requests sent on this connection, by subscription id. */
  private readonly subscribed = new Map<string, Promise<void>>();
  private ended = false;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly client: stompit.Client,
    readonly endpoint: StompEndpoint,
    private readonly events: SessionEvents,
    /** The protocol version the server chose: '1.0', '1.1' or '1.2'. */
    readonly version: string,
    /** The CONNECTED `server` header, such as `RabbitMQ/3.10.8`. */
    readonly server: string | undefined,
  ) {}

  get alive(): boolean {
    return !this.ended;
  }

  /** Connects and completes the CONNECT handshake, or rejects with a typed error. */
  static open(
    endpoint: StompEndpoint,
    options: OpenOptions,
    events: SessionEvents,
  ): Promise<StompSession> {
    return new Promise((resolve, reject) => {
      const socket: Socket = endpoint.tls
        ? tlsConnect({
            host: endpoint.host,
            port: endpoint.port,
            // SNI takes host names only; an IP address there is deprecated.
            ...(isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {}),
            rejectUnauthorized: options.rejectUnauthorized,
            ...endpoint.tlsFiles,
          })
        : netConnect({ host: endpoint.host, port: endpoint.port });
      socket.setNoDelay(true);
      const beat = options.heartbeatMs;
      // The d.ts asks for a Duplex; stompit only writes to it and listens for close/error.
      const sink = new CoalescingSink(socket) as unknown as ConstructorParameters<
        typeof stompit.OutgoingFrameStream
      >[0];
      const client = new stompit.Client(socket, {
        outgoingFrameStream: new stompit.OutgoingFrameStream(sink),
        heartbeat: [beat, beat],
        // Incoming beats may arrive late under load; allow half an interval before giving up.
        heartbeatDelayMargin: Math.max(100, Math.round(beat / 2)),
        heartbeatOutputMargin: 0,
      });
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        cleanup();
        (client as unknown as ClientInternals).destroy();
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(
        () =>
          fail(
            new TransportConnectError(
              `${endpoint.label}: no CONNECTED within ${options.timeoutMs} ms`,
            ),
          ),
        options.timeoutMs,
      );
      const onAbort = () => fail(options.signal.reason as Error);
      options.signal.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
      };
      // Always present, so an error event never goes unhandled; forwarded once connected.
      let session: StompSession | undefined;
      client.on('error', (error: Error) => {
        if (session !== undefined) session.end(error);
        else fail(classifyConnectError(endpoint, error));
      });
      client.on('end', () => {
        if (session !== undefined) session.end(new ConnectionLostError('connection'));
        else fail(new TransportConnectError(`${endpoint.label}: connection closed during CONNECT`));
      });
      const headers: Record<string, string> = {
        host: endpoint.vhost,
        'accept-version': '1.0,1.1,1.2',
        'heart-beat': `${beat},${beat}`,
      };
      if (endpoint.login !== undefined) headers.login = endpoint.login;
      if (endpoint.passcode !== undefined) headers.passcode = endpoint.passcode;
      if (options.clientId !== undefined) headers['client-id'] = options.clientId;
      client.connect(headers, (error) => {
        if (error !== null || settled) return; // reported through the 'error' listener
        settled = true;
        cleanup();
        const connected = (client as unknown as ClientInternals).headers ?? {};
        session = new StompSession(
          client,
          endpoint,
          events,
          connected.version ?? '1.0',
          connected.server,
        );
        session.installErrorHandler();
        resolve(session);
      });
      // stompit installed its CONNECT-phase handlers inside connect(); replace its ERROR one.
      (client as unknown as ClientInternals).label = endpoint.label;
      installErrorHandler(client, () => {});
    });
  }

  /**
   * Sends a frame that asks for a RECEIPT and resolves when it arrives (STOMP 1.0–1.2 all
   * answer with `receipt-id`). The returned `cancel` withdraws the waiter on a deadline.
   */
  request(
    command: string,
    headers: Record<string, string>,
    body?: Buffer,
  ): { done: Promise<void>; cancel: () => void } {
    if (this.ended) {
      return { done: Promise.reject(new ConnectionLostError(command)), cancel: () => {} };
    }
    let receipt = '';
    const done = new Promise<void>((resolve, reject) => {
      const frameHeaders: Record<string, string | number> = { ...headers };
      if (body !== undefined) frameHeaders['content-length'] = body.length;
      const frame = this.client.sendFrame(command, frameHeaders, {
        onReceipt: () => {
          this.waiters.get(receipt)?.resolve();
          this.waiters.delete(receipt);
        },
      } as stompit.Client.SendOptions);
      // stompit assigns the receipt id into the headers object it was given.
      receipt = String(frameHeaders.receipt);
      this.waiters.set(receipt, { operation: command, resolve, reject });
      if (body !== undefined && body.length > 0) frame.write(body);
      frame.end();
    });
    return { done, cancel: () => this.waiters.delete(receipt) };
  }

  /** Sends a frame without waiting for anything (SUBSCRIBE on re-subscription, ACK, NACK). */
  send(command: string, headers: Record<string, string>): void {
    if (this.ended) return;
    this.client.sendFrame(command, { ...headers }).end();
  }

  /** Registers subscription `id` with stompit (so it routes MESSAGE frames) and subscribes. */
  subscribe(
    id: string,
    headers: Record<string, string>,
  ): { done: Promise<void>; cancel: () => void } {
    // Re-subscription after a reconnect and a subscribe() that waited for that reconnect can
    // both ask for the same id: the second shares the first's SUBSCRIBE.
    const existing = this.subscribed.get(id);
    if (existing !== undefined) return { done: existing, cancel: () => {} };
    if (this.ended) {
      return { done: Promise.reject(new ConnectionLostError('SUBSCRIBE')), cancel: () => {} };
    }
    // stompit needs to know the id to route MESSAGE frames; the frame itself is sent below so
    // that it can carry a receipt.
    this.client.setImplicitSubscription(Number(id), 'client-individual', (error, message) => {
      if (error !== null) return; // the connection ended; `lost` reports it
      this.readMessage(id, message);
    });
    const request = this.request('SUBSCRIBE', { ...headers, id, ack: 'client-individual' });
    this.subscribed.set(id, request.done);
    request.done.catch(() => {}); // the callers handle it; this copy must not go unhandled
    return request;
  }

  /** Graceful DISCONNECT (waits briefly for its receipt), then the socket is closed. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.ended) {
        resolve();
        return;
      }
      this.ended = true;
      this.rejectAll(new ConnectionLostError('close'));
      const timer = setTimeout(() => {
        (this.client as unknown as ClientInternals).destroy();
        resolve();
      }, DISCONNECT_WAIT_MS);
      timer.unref();
      this.client.disconnect(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.closing;
  }

  private readMessage(id: string, message: stompit.Client.Message): void {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => {
      if (this.ended) return;
      this.events.message(this, id, {
        headers: (message as unknown as { headers: Record<string, string> }).headers,
        body: Buffer.concat(chunks),
      });
    });
  }

  /** Routes ERROR frames to `onErrorFrame`, which knows the pending receipts. */
  private installErrorHandler(): void {
    installErrorHandler(this.client, (error) => {
      // STOMP says an ERROR names the request it answers in `receipt-id`; RabbitMQ leaves it
      // out. Then, with a single request in flight, that request is the one refused.
      let receipt = error.headers['receipt-id'];
      if (receipt === undefined && this.waiters.size === 1) receipt = [...this.waiters.keys()][0];
      const waiter = receipt === undefined ? undefined : this.waiters.get(receipt);
      if (waiter !== undefined && receipt !== undefined) {
        this.waiters.delete(receipt);
        waiter.reject(
          new PublishRejectedError(error.headers.destination ?? waiter.operation, error.detail),
        );
      }
    });
  }

  private end(error: Error): void {
    if (this.ended) return;
    this.ended = true;
    trace('stomp session %s ended: %s', this.endpoint.label, error.message);
    this.rejectAll(
      error instanceof TransportError
        ? error
        : new ConnectionLostError('connection', { cause: error }),
    );
    this.events.lost(this, error);
  }

  private rejectAll(error: Error): void {
    for (const waiter of this.waiters.values()) {
      waiter.reject(
        error instanceof ConnectionLostError
          ? error
          : new ConnectionLostError(waiter.operation, { cause: error }),
      );
    }
    this.waiters.clear();
  }
}

/** An ERROR frame received from the broker; ends the connection. */
class StompErrorFrame extends TransportError {
  override readonly name = 'StompErrorFrame';
  constructor(
    label: string,
    readonly headers: Readonly<Record<string, string>>,
    readonly detail: string,
  ) {
    super('TRANSPORT_CONNECTION_LOST', `${label}: broker sent ERROR: ${detail}`, true);
  }
}

/**
 * Replaces stompit's ERROR handler, in the CONNECT phase and after it. Stompit's own handler
 * loses the `receipt-id`, and for a `text/plain` body it destroys the frame stream instead of
 * the client (a `this` slip), which throws an unhandled 'error' and kills the process — RabbitMQ
 * answers a wrong password exactly so.
 */
function installErrorHandler(
  client: stompit.Client,
  onErrorFrame: (error: StompErrorFrame) => void,
): void {
  const internals = client as unknown as ClientInternals;
  internals.setCommandHandler('ERROR', (frame) => {
    const chunks: Buffer[] = [];
    let size = 0;
    frame.on('error', () => {});
    frame.on('data', (chunk: Buffer) => {
      if (size < ERROR_BODY_LIMIT) chunks.push(chunk);
      size += chunk.length;
    });
    frame.on('end', () => {
      const detail = [
        frame.headers.message ?? 'ERROR frame',
        Buffer.concat(chunks).toString('utf8', 0, ERROR_BODY_LIMIT).trim(),
      ]
        .filter((part) => part !== '')
        .join(': ');
      const error = new StompErrorFrame(internals.label ?? 'stomp', frame.headers, detail);
      onErrorFrame(error);
      internals.destroy(error);
    });
  });
}

/** An ERROR frame in answer to CONNECT means the broker refused the login (or the vhost). */
function classifyConnectError(endpoint: StompEndpoint, error: Error): Error {
  if (error instanceof StompErrorFrame) {
    return new TransportAuthError(endpoint.label, error.detail, { cause: error });
  }
  return new TransportConnectError(`${endpoint.label}: ${error.message}`, {
    cause: error,
    retryable: !isTlsTrustError(error),
  });
}
