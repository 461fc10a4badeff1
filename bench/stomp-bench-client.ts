/**
 * The broker bench's STOMP 1.2 client: the few frames the bench needs (CONNECT, SEND with
 * RECEIPT, SUBSCRIBE, ACK, DISCONNECT), written whole and coalesced per event-loop turn, and an
 * incremental reader of RECEIPT, MESSAGE and ERROR frames. It exists so that the client is not
 * what the bench measures: a general client (stompit) spends more CPU per frame than either
 * broker on this 2-core machine. Both brokers get this same client.
 */
import { connect as netConnect, type Socket } from 'node:net';

const NUL = 0;
const LF = 0x0a;

export interface BenchMessage {
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

export class StompBenchClient {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #corked = false;
  #nextReceipt = 1;
  readonly #receipts = new Map<string, () => void>();
  #onMessage: ((message: BenchMessage) => void) | undefined;
  #failure: Error | undefined;
  #connected: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#fail(new Error('connection closed')));
  }

  /** Connects and logs in; rejects after `timeoutMs`. */
  static async open(
    host: string,
    port: number,
    credentials: { login?: string; passcode?: string },
    timeoutMs: number,
  ): Promise<StompBenchClient> {
    const socket = netConnect(port, host);
    const client = new StompBenchClient(socket);
    const headers: Record<string, string> = {
      'accept-version': '1.2',
      host: '/',
      'heart-beat': '0,0',
      ...(credentials.login === undefined ? {} : { login: credentials.login }),
      ...(credentials.passcode === undefined ? {} : { passcode: credentials.passcode }),
    };
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`CONNECT to ${host}:${port}: no CONNECTED within ${timeoutMs} ms`));
      }, timeoutMs);
      client.#connected = () => {
        clearTimeout(timer);
        resolve();
      };
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      client.#write(frame('CONNECT', headers));
    });
    return client;
  }

  /** Sends a persistent message; `onReceipt` runs when the broker has stored it. */
  send(destination: string, body: Buffer, onReceipt: () => void): void {
    const receipt = String(this.#nextReceipt++);
    this.#receipts.set(receipt, onReceipt);
    this.#write(
      frame(
        'SEND',
        {
          destination,
          persistent: 'true',
          'content-type': 'application/octet-stream',
          'content-length': String(body.length),
          receipt,
        },
        body,
      ),
    );
  }

  /** Subscribes with client-individual acknowledgements and a prefetch window. */
  subscribe(
    destination: string,
    id: string,
    prefetch: number,
    onMessage: (message: BenchMessage) => void,
  ): void {
    this.#onMessage = onMessage;
    this.#write(
      frame('SUBSCRIBE', {
        destination,
        id,
        ack: 'client-individual',
        'prefetch-count': String(prefetch),
      }),
    );
  }

  unsubscribe(id: string): void {
    this.#onMessage = undefined;
    this.#write(frame('UNSUBSCRIBE', { id }));
  }

  /** Acknowledges one message (its `ack` header); `onReceipt`, when given, asks for a RECEIPT. */
  ack(message: BenchMessage, onReceipt?: () => void): void {
    const headers: Record<string, string> = { id: message.headers.get('ack') ?? '' };
    if (onReceipt !== undefined) {
      const receipt = String(this.#nextReceipt++);
      this.#receipts.set(receipt, onReceipt);
      headers.receipt = receipt;
    }
    this.#write(frame('ACK', headers));
  }

  /** Sends `count` persistent messages, at most `window` without their receipt; resolves at the last receipt. */
  sendAll(destination: string, body: Buffer, count: number, window: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let sent = 0;
      let confirmed = 0;
      const pump = (): void => {
        while (sent < count && sent - confirmed < window) {
          sent += 1;
          this.send(destination, body, () => {
            confirmed += 1;
            if (confirmed === count) resolve();
            else pump();
          });
        }
      };
      if (count === 0) resolve();
      else pump();
    });
  }

  /**
   * Receives and ACKs (client-individual, `prefetch` window) `count` messages, the last ACK with
   * a receipt, then unsubscribes; resolves with when (`performance.now()`) the first message
   * arrived and the last ACK's receipt did.
   */
  drainAll(
    destination: string,
    count: number,
    prefetch: number,
    onFirst: () => void = () => undefined,
  ): Promise<{ readonly firstAt: number; readonly doneAt: number }> {
    const id = `drain-${destination}`;
    let firstAt = 0;
    return new Promise((resolve) => {
      let received = 0;
      this.subscribe(destination, id, prefetch, (message) => {
        received += 1;
        if (received === 1) {
          firstAt = performance.now();
          onFirst();
        }
        if (received < count) {
          this.ack(message);
          return;
        }
        this.ack(message, () => {
          this.unsubscribe(id);
          resolve({ firstAt, doneAt: performance.now() });
        });
      });
    });
  }

  /** DISCONNECT with a receipt, then closes; destroys the socket after `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    if (this.#failure === undefined) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        const receipt = String(this.#nextReceipt++);
        this.#receipts.set(receipt, () => {
          clearTimeout(timer);
          resolve();
        });
        this.#write(frame('DISCONNECT', { receipt }));
      });
    }
    this.#socket.destroy();
  }

  /** Frames written in one turn leave in one socket write. */
  #write(data: Buffer): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#socket.write(data);
  }

  #fail(err: Error): void {
    this.#failure ??= err;
  }

  #read(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    let at = 0;
    for (;;) {
      while (at < this.#buffer.length && (this.#buffer[at] === LF || this.#buffer[at] === 0x0d)) {
        at += 1; // heart-beats and the EOLs between frames
      }
      const headEnd = this.#buffer.indexOf('\n\n', at);
      if (headEnd < 0) break;
      const lines = this.#buffer.toString('utf8', at, headEnd).split('\n');
      const command = lines[0] ?? '';
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        const key = line.slice(0, colon);
        if (colon > 0 && !headers.has(key)) headers.set(key, unescapeHeader(line.slice(colon + 1)));
      }
      const bodyStart = headEnd + 2;
      const length = headers.get('content-length');
      const bodyEnd =
        length === undefined ? this.#buffer.indexOf(NUL, bodyStart) : bodyStart + Number(length);
      if (bodyEnd < 0 || bodyEnd >= this.#buffer.length) break;
      const body = this.#buffer.subarray(bodyStart, bodyEnd);
      at = bodyEnd + 1;
      this.#dispatch(command, headers, body);
    }
    this.#buffer = this.#buffer.subarray(at);
  }

  #dispatch(command: string, headers: Map<string, string>, body: Buffer): void {
    if (command === 'CONNECTED') {
      this.#connected?.();
    } else if (command === 'RECEIPT') {
      const id = headers.get('receipt-id') ?? '';
      const done = this.#receipts.get(id);
      this.#receipts.delete(id);
      done?.();
    } else if (command === 'MESSAGE') {
      this.#onMessage?.({ headers, body });
    } else if (command === 'ERROR') {
      const error = new Error(`broker ERROR: ${headers.get('message') ?? body.toString()}`);
      this.#fail(error);
      console.error(`bench: ${error.message}`);
    }
  }
}

/** STOMP 1.2 header escaping (not applied to CONNECT, as the spec says). */
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', ':': '\\c' };
const UNESCAPES: Record<string, string> = { '\\\\': '\\', '\\n': '\n', '\\r': '\r', '\\c': ':' };

function escapeHeader(value: string): string {
  return value.replace(/[\\\n\r:]/g, (c) => ESCAPES[c] ?? c);
}

function unescapeHeader(value: string): string {
  return value.replace(/\\[\\nrc]/g, (e) => UNESCAPES[e] ?? e);
}

function frame(command: string, headers: Record<string, string>, body?: Buffer): Buffer {
  let head = `${command}\n`;
  for (const [key, value] of Object.entries(headers)) {
    head += `${key}:${command === 'CONNECT' ? value : escapeHeader(value)}\n`;
  }
  head += '\n';
  const parts: Buffer[] = [Buffer.from(head, 'utf8')];
  if (body !== undefined) parts.push(body);
  parts.push(Buffer.from([NUL]));
  return Buffer.concat(parts);
}
