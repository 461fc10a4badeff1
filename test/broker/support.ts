/** Helpers for the broker tests: a broker on a temp dir, an awaitable stompjs client, raw sockets. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { Client, Versions, type IFrame, type IMessage, type StompHeaders } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import { pollUntil, within as withinDeadline } from '../support/wait.js';
import { startBroker, type BrokerHandle, type BrokerOptions } from '../../broker/index.js';
import type { MessageStore } from '../../broker/store.js';
import type { StoredRecord } from '../../broker/record.js';

export const DEADLINE_MS = 10_000;

export function tempDir(prefix = 'aes-broker-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A broker on port 0 over a fresh data dir; `close()` also deletes the dir unless kept. */
export async function testBroker(
  options: Partial<BrokerOptions> = {},
): Promise<BrokerHandle & { dataDir: string; stop(): Promise<void> }> {
  const dir = options.dataDir === undefined ? tempDir() : undefined;
  const dataDir = options.dataDir ?? dir?.path ?? '';
  const broker = await startBroker({ port: 0, ...options, dataDir });
  return Object.assign(broker, {
    dataDir,
    stop: async () => {
      await broker.close();
      dir?.remove();
    },
  });
}

/** Resolves when `check()` is true; rejects after `timeoutMs` naming `what`. */
export function waitFor(
  what: string,
  check: () => boolean,
  timeoutMs = DEADLINE_MS,
): Promise<void> {
  return pollUntil(what, check, timeoutMs);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects after `ms` unless `p` settles first. */
export function within<T>(what: string, p: Promise<T>, ms = DEADLINE_MS): Promise<T> {
  return withinDeadline(what, p, ms);
}

export interface StompjsOptions {
  readonly login?: string;
  readonly passcode?: string;
  readonly versions?: string[];
  readonly heartbeatMs?: number;
}

/** A connected @stomp/stompjs client (an independent STOMP implementation) over TCP. */
export class StompjsClient {
  readonly client: Client;
  readonly errors: IFrame[] = [];
  closed = false;
  #receipt = 0;

  private constructor(client: Client) {
    this.client = client;
  }

  static async connect(port: number, options: StompjsOptions = {}): Promise<StompjsClient> {
    const client = new Client({
      webSocketFactory: () => new TCPWrapper('127.0.0.1', port),
      reconnectDelay: 0,
      heartbeatIncoming: options.heartbeatMs ?? 0,
      heartbeatOutgoing: options.heartbeatMs ?? 0,
      // `within()` below is the deadline; stompjs's own timer would outlive the test.
      connectionTimeout: 0,
      connectHeaders: {
        ...(options.login === undefined ? {} : { login: options.login }),
        ...(options.passcode === undefined ? {} : { passcode: options.passcode }),
      },
    });
    if (options.versions !== undefined) client.stompVersions = new Versions(options.versions);
    const wrapper = new StompjsClient(client);
    const connected = new Promise<void>((resolve, reject) => {
      client.onConnect = () => resolve();
      client.onStompError = (frame) => {
        wrapper.errors.push(frame);
        reject(new Error(`ERROR frame: ${frame.headers.message ?? ''}`));
      };
      client.onWebSocketClose = () => {
        wrapper.closed = true;
        reject(new Error('socket closed before CONNECTED'));
      };
    });
    client.activate();
    try {
      await within('stompjs CONNECTED', connected);
    } catch (err) {
      await client.deactivate({ force: true });
      throw err;
    }
    client.onStompError = (frame) => wrapper.errors.push(frame);
    client.onWebSocketClose = () => {
      wrapper.closed = true;
    };
    return wrapper;
  }

  /** SEND and wait for its RECEIPT. */
  async send(
    destination: string,
    body: string | Uint8Array,
    headers: StompHeaders = {},
  ): Promise<void> {
    this.#receipt += 1;
    const receipt = `r-${this.#receipt}`;
    const got = new Promise<void>((resolve) =>
      this.client.watchForReceipt(receipt, () => resolve()),
    );
    this.client.publish({
      destination,
      ...(typeof body === 'string' ? { body } : { binaryBody: body }),
      headers: { ...headers, receipt },
    });
    await within(`RECEIPT ${receipt}`, got);
  }

  /** Subscribes and collects messages in `received`. */
  subscribe(
    destination: string,
    headers: StompHeaders = {},
  ): { received: IMessage[]; unsubscribe: () => void } {
    const received: IMessage[] = [];
    const sub = this.client.subscribe(destination, (m) => received.push(m), headers);
    return { received, unsubscribe: () => sub.unsubscribe() };
  }

  /** DISCONNECT (with receipt) and close. */
  async close(): Promise<void> {
    await within('stompjs deactivate', this.client.deactivate());
  }

  /** Drops the TCP connection without DISCONNECT (a crashed consumer). */
  async kill(): Promise<void> {
    await this.client.deactivate({ force: true });
  }
}

/** A frame as the broker sent it: headers not unescaped. */
export interface RawFrame {
  readonly command: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A raw TCP client that collects every byte the broker sends. */
export class RawClient {
  readonly socket: Socket;
  data = Buffer.alloc(0);
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.data = Buffer.concat([this.data, d]);
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await within(
      'raw connect',
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
    );
    return new RawClient(socket);
  }

  /** Opens and sends a 1.2 CONNECT, waiting for CONNECTED. */
  static async connected(port: number, extra = ''): Promise<RawClient> {
    const raw = await RawClient.open(port);
    raw.write(`CONNECT\naccept-version:1.2\nhost:localhost\n${extra}\n\0`);
    await raw.waitForText('CONNECTED');
    return raw;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  text(): string {
    return this.data.toString('latin1');
  }

  /** The whole frames received so far (a frame still arriving is left out), in order. */
  frames(): RawFrame[] {
    const text = this.text();
    const end = text.lastIndexOf('\0');
    if (end < 0) return [];
    return text
      .slice(0, end)
      .split('\0')
      .map((raw) => {
        const [head = '', ...rest] = raw.replace(/^\n+/, '').split('\n\n');
        const [command = '', ...lines] = head.split('\n');
        const headers = Object.fromEntries(
          lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
        );
        return { command, headers, body: rest.join('\n\n') };
      });
  }

  async waitForText(text: string, timeoutMs = DEADLINE_MS): Promise<void> {
    await waitFor(`'${text}' from the broker`, () => this.text().includes(text), timeoutMs);
  }

  async waitForClose(timeoutMs = DEADLINE_MS): Promise<void> {
    await waitFor('the broker to close the connection', () => this.closed, timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * Every message a freshly opened store lists in its index, with its record (body copied),
 * ordered by destination then sequence number. Throws when the index lists a record that is
 * not stored: the two must agree.
 */
export function storedMessages(
  store: MessageStore,
): { destination: string; seq: number; record: StoredRecord }[] {
  const out: { destination: string; seq: number; record: StoredRecord }[] = [];
  const byName = [...store.storedSeqs()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [destination, seqs] of byName) {
    for (const seq of seqs) {
      const record = store.read(destination, seq);
      if (record === undefined) throw new Error(`the index lists ${destination}#${seq}; no record`);
      out.push({ destination, seq, record: { ...record, body: Buffer.from(record.body) } });
    }
  }
  return out;
}
