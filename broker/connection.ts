/**
 * One client connection: a guarded state machine (awaiting-connect → connected → closing →
 * closed), the frame decoder on its input, a coalescing writer on its output (one socket write
 * per tick, frame-writer.ts), heart-beats, and the STOMP commands. Its transactions
 * (transactions.ts), the owners of its pending acks (ack-owners.ts) and the store's
 * back-pressure on its reading (store-backpressure.ts) are small pieces of their own. An error on
 * one connection ends only it.
 */
import type { Socket } from 'node:net';
import { debuglog } from 'node:util';
import { StompFrameDecoder } from './decoder.js';
import { BrokerError, StompProtocolError } from './errors.js';
import {
  HEARTBEAT,
  SUPPORTED_VERSIONS,
  encodeFrame,
  escapeHeader,
  frameFromHead,
  unsafeHeader,
  type StompFrame,
  type StompVersion,
} from './frame.js';
import { StompHeartbeat, negotiateHeartbeat } from './heartbeat.js';
import { authenticate, firstLine, negotiateVersion, requireHeader } from './handshake.js';
import { requireDestination, type Router } from './router.js';
import {
  ACK_MODES,
  BrokerSubscription,
  type AckMode,
  type BrokerDelivery,
  type SubscriberConnection,
} from './subscription.js';
import type { ResolvedBrokerOptions } from './options.js';
import { StoreBackpressure } from './store-backpressure.js';
import { StompTransactions } from './transactions.js';
import { StompFrameWriter } from './frame-writer.js';
import { AckOwners } from './ack-owners.js';
import { StateMachine, type TransitionTable } from '../util/index.js';

const debug = debuglog('aes-broker');

export type BrokerConnectionState = 'awaiting-connect' | 'connected' | 'closing' | 'closed';

const TRANSITIONS: TransitionTable<BrokerConnectionState> = {
  'awaiting-connect': ['connected', 'closing', 'closed'],
  connected: ['closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

/** Headers the broker sets on MESSAGE frames itself; a sender's copies are not stored. */
const TRANSPORT_HEADERS = new Set([
  'destination',
  'receipt',
  'transaction',
  'content-length',
  'message-id',
  'subscription',
  'ack',
  'redelivered',
  'delivery-count',
]);

const EMPTY_CHUNK = Buffer.alloc(0);

/** The first lines of a MESSAGE frame: command, subscription id and destination, escaped. */
function messageHead(subscriptionId: string, destination: string, version: StompVersion): string {
  return `MESSAGE\nsubscription:${escapeHeader(subscriptionId, version)}\ndestination:${escapeHeader(destination, version)}\n`;
}

let nextConnectionId = 0;

export class Connection implements SubscriberConnection {
  readonly id: string;
  readonly #machine: StateMachine<BrokerConnectionState>;
  #version: StompVersion = '1.0';
  readonly #decoder: StompFrameDecoder;
  readonly #subscriptions = new Map<string, BrokerSubscription>();
  readonly #transactions: StompTransactions;
  readonly #ackOwners = new AckOwners();
  /** Store-backed steps not yet settled; DISCONNECT waits for them before its receipt. */
  readonly #storeWrites: StoreBackpressure;
  #heartbeat: StompHeartbeat | undefined;
  #connectTimer: NodeJS.Timeout | undefined;
  #closeTimer: NodeJS.Timeout | undefined;
  readonly #writer: StompFrameWriter;
  /** Per subscription: the start of its MESSAGE frames (see {@link #messageHead}). */
  readonly #messageHeads = new WeakMap<BrokerSubscription, string>();
  /** Reading is paused until the event loop's next turn (see {@link #yieldReading}). */
  #yielding = false;
  #deliveryTag = 0;

  constructor(
    private readonly socket: Socket,
    private readonly router: Router,
    private readonly options: ResolvedBrokerOptions,
    private readonly onClosed: (connection: Connection) => void,
  ) {
    nextConnectionId += 1;
    this.id = `c${nextConnectionId}`;
    this.#machine = new StateMachine({
      name: this.id,
      initial: 'awaiting-connect',
      legal: TRANSITIONS,
      trace: ({ from, to, reason }, refused) => {
        if (refused) debug('%s: refused transition %s → %s (%s)', this.id, from, to, reason);
        else debug('%s: %s → %s (%s)', this.id, from, to, reason);
      },
    });
    this.#decoder = new StompFrameDecoder(options);
    this.#transactions = new StompTransactions(options.maxTransactionBytes);
    this.#writer = new StompFrameWriter(socket);
    this.#storeWrites = new StoreBackpressure({
      pauseReading: (inFlight) => {
        this.socket.pause();
        debug('%s: %d store writes in flight, reading paused', this.id, inFlight);
      },
      resumeReading: () => this.#resumeReading(),
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => this.#onDrain());
    socket.on('error', (err) => {
      debug('%s: socket error: %s', this.id, err.message);
      this.#teardown('socket error');
    });
    socket.on('close', () => this.#teardown('socket closed'));
    this.#connectTimer = setTimeout(() => {
      this.fail(
        new BrokerError(
          'STOMP_CONNECT_TIMEOUT',
          `no CONNECT frame within ${options.connectTimeoutMs} ms`,
        ),
      );
    }, options.connectTimeoutMs);
    this.#connectTimer.unref();
    debug('%s: accepted from %s:%d', this.id, socket.remoteAddress, socket.remotePort);
  }

  get state(): BrokerConnectionState {
    return this.#machine.state;
  }

  // SubscriberConnection

  isWritable(): boolean {
    return (
      this.#machine.state === 'connected' &&
      this.socket.writableLength <= this.options.maxPendingBytes
    );
  }

  sendMessage(
    subscription: BrokerSubscription,
    message: Parameters<SubscriberConnection['sendMessage']>[1],
  ): void {
    // Built as text: the header names are constants, and what is the same for every message
    // of the subscription is escaped once (this runs for every delivery).
    const version = this.#version;
    let head =
      message.destination === subscription.destination
        ? this.#messageHead(subscription)
        : messageHead(subscription.id, message.destination, version);
    head += `message-id:${escapeHeader(message.messageId, version)}\n`;
    if (subscription.ackMode !== 'auto') {
      this.#deliveryTag += 1;
      const ackId = `${this.id}-${this.#deliveryTag}`;
      if (version === '1.2') head += `ack:${escapeHeader(ackId, version)}\n`;
      subscription.track({
        ackId,
        messageId: message.messageId,
        queue: message.queue,
        message: message.queued,
      });
      this.#ackOwners.add(ackId, subscription);
      if (message.queue === undefined && subscription.unacked.size > subscription.prefetch) {
        // Topic messages are not redelivered; keep the ack window bounded.
        const oldest = subscription.unacked.values().next().value;
        if (oldest !== undefined) this.#forget(subscription, oldest);
      }
    }
    head += `redelivered:${message.deliveries > 1 ? 'true' : 'false'}\ndelivery-count:${message.deliveries}\n`;
    for (const [name, value] of message.headers) {
      head += `${escapeHeader(name, version)}:${escapeHeader(value, version)}\n`;
    }
    this.#write(frameFromHead(head, message.body));
  }

  /** The start of a subscription's MESSAGE frames: command, subscription id, destination. */
  #messageHead(subscription: BrokerSubscription): string {
    let head = this.#messageHeads.get(subscription);
    if (head === undefined) {
      head = messageHead(subscription.id, subscription.destination, this.#version);
      this.#messageHeads.set(subscription, head);
    }
    return head;
  }

  failSlowConsumer(subscription: BrokerSubscription): void {
    this.fail(
      new BrokerError(
        'STOMP_SLOW_CONSUMER',
        `slow consumer: over ${this.options.maxPendingBytes} bytes pending for subscription '${subscription.id}' on ${subscription.destination}`,
      ),
    );
  }

  /** Sends an ERROR frame naming `err`, then closes. Only this connection is affected. */
  fail(err: unknown, receiptId?: string): void {
    if (this.#machine.state === 'closing' || this.#machine.state === 'closed') return;
    const message = err instanceof Error ? err.message : String(err);
    const code = err instanceof BrokerError ? err.code : 'STOMP_PROTOCOL';
    debug('%s: ERROR %s: %s', this.id, code, message);
    const headers: [string, string][] = [
      ['message', firstLine(message)],
      ['code', code],
      ['content-type', 'text/plain'],
    ];
    if (receiptId !== undefined) headers.push(['receipt-id', receiptId]);
    if (err instanceof BrokerError && err.code === 'STOMP_VERSION') {
      headers.push(['version', SUPPORTED_VERSIONS.join(',')]);
    }
    this.#write(encodeFrame('ERROR', headers, Buffer.from(`${message}\n`, 'utf8'), this.#version));
    this.#closeGracefully(`error: ${code}`);
  }

  /** Closes at once (broker shutdown). */
  destroy(): void {
    this.socket.destroy();
    this.#teardown('broker closing');
  }

  #isOpen(): boolean {
    return this.#machine.state === 'awaiting-connect' || this.#machine.state === 'connected';
  }

  #onData(chunk: Buffer): void {
    if (this.#machine.state === 'closing' || this.#machine.state === 'closed') return;
    this.#heartbeat?.noteRead();
    let input = chunk;
    do {
      // The decoder stops after CONNECT: what follows in the chunk is decoded with the version
      // it negotiated (#connect sets it), by a second round.
      let frames: StompFrame[];
      try {
        frames = this.#decoder.push(input);
      } catch (err) {
        this.fail(err);
        return;
      }
      for (const frame of frames) {
        if (!this.#isOpen()) return;
        try {
          this.#handle(frame);
        } catch (err) {
          this.fail(err, frame.headers.get('receipt'));
          return;
        }
      }
      input = EMPTY_CHUNK;
    } while (this.#decoder.hasHeld() && this.#isOpen());
    // Back-pressure: stop reading from a peer that does not read what we send it.
    if (this.socket.writableLength > this.options.maxPendingBytes) this.socket.pause();
    else this.#yieldReading();
  }

  /**
   * Lets the event loop turn before the next chunk is read. libuv reads a socket up to 32 times
   * in a row while it has data: a pipelining producer's burst (a megabyte of SENDs) would be
   * parsed whole before the fsync that completed meanwhile could send its receipts, and the
   * producer, waiting for them, would sit idle while the broker parses, and the broker while
   * the producer writes. Reading a chunk per turn overlaps the two (measured: the broker's
   * idle share of a pipelined run fell from about 22% to 5%).
   */
  #yieldReading(): void {
    if (this.#yielding) return;
    this.#yielding = true;
    this.socket.pause();
    setImmediate(() => {
      this.#yielding = false;
      this.#resumeReading();
    });
  }

  /** Reads again unless closing, throttled by the store, or held back by unread output. */
  #resumeReading(): void {
    if (
      this.#isOpen() &&
      !this.#storeWrites.throttled &&
      this.socket.writableLength <= this.options.maxPendingBytes
    ) {
      this.socket.resume();
    }
  }

  #onDrain(): void {
    if (this.#machine.state !== 'connected') return;
    if (!this.#storeWrites.throttled) this.socket.resume();
    this.router.writable(this.#subscriptions.values());
  }

  #write(frame: Buffer): void {
    if (this.#machine.state === 'closed' || this.socket.destroyed) return;
    this.#writer.write(frame);
    this.#heartbeat?.noteWrite();
  }

  #receipt(frame: StompFrame): void {
    const receipt = frame.headers.get('receipt');
    if (receipt !== undefined) {
      // One per receipted frame: built as text, only the id escaped.
      this.#write(
        frameFromHead(`RECEIPT\nreceipt-id:${escapeHeader(receipt, this.#version)}\n`, undefined),
      );
    }
  }

  /** Runs a store-backed step; its receipt (or ERROR) follows its outcome. */
  #track(frame: StompFrame, work: Promise<void>): void {
    const done = this.#tracked(frame);
    work.then(() => done(undefined), done);
  }

  /**
   * Counts a store-backed step as started and returns its completion callback: the receipt (or
   * an ERROR) follows the outcome it is given, once.
   */
  #tracked(frame: StompFrame): (err: unknown) => void {
    this.#storeWrites.started();
    return (err) => {
      if (err === undefined) {
        if (this.#machine.state === 'connected') this.#receipt(frame);
      } else {
        this.fail(err, frame.headers.get('receipt'));
      }
      this.#storeWrites.settled();
    };
  }

  #handle(frame: StompFrame): void {
    if (this.#machine.state === 'awaiting-connect') {
      if (frame.command !== 'CONNECT' && frame.command !== 'STOMP') {
        throw new StompProtocolError(
          `${frame.command} before CONNECT: the first frame must be CONNECT or STOMP`,
        );
      }
      this.#connect(frame);
      return;
    }
    switch (frame.command) {
      case 'SEND':
        return this.#send(frame);
      case 'SUBSCRIBE':
        return this.#subscribe(frame);
      case 'UNSUBSCRIBE':
        return this.#unsubscribe(frame);
      case 'ACK':
      case 'NACK':
        return this.#ackOrNack(frame);
      case 'BEGIN':
        return this.#begin(frame);
      case 'COMMIT':
        return this.#commit(frame);
      case 'ABORT':
        return this.#abort(frame);
      case 'DISCONNECT':
        return this.#disconnect(frame);
      case 'CONNECT':
      case 'STOMP':
        throw new StompProtocolError(`${frame.command} on a connection that is already connected`);
      default:
        throw new StompProtocolError(`unknown command '${frame.command}'`);
    }
  }

  #connect(frame: StompFrame): void {
    const version = negotiateVersion(frame.headers.get('accept-version'));
    authenticate(this.options.users, frame.headers.get('login'), frame.headers.get('passcode'));
    const intervals = negotiateHeartbeat(
      version === '1.0' ? undefined : frame.headers.get('heart-beat'),
      this.options.heartbeatSendMs,
      this.options.heartbeatReceiveMs,
    );
    if (!this.#machine.transitionTo(['awaiting-connect'], 'connected', 'CONNECT')) return;
    clearTimeout(this.#connectTimer);
    this.#version = version;
    this.#decoder.setVersion(version);
    const headers: [string, string][] = [
      ['version', version],
      ['server', 'aes-broker/0.1'],
      ['session', this.id],
    ];
    if (version !== '1.0') {
      headers.push([
        'heart-beat',
        `${this.options.heartbeatSendMs},${this.options.heartbeatReceiveMs}`,
      ]);
    }
    this.#write(encodeFrame('CONNECTED', headers, undefined, version));
    this.#heartbeat = new StompHeartbeat(
      {
        sendHeartbeat: () => this.#write(HEARTBEAT),
        isReadPaused: () => this.socket.isPaused(),
        timedOut: (silentMs) =>
          this.fail(
            new BrokerError(
              'STOMP_HEARTBEAT_TIMEOUT',
              `no heart-beat from the client for ${silentMs} ms (promised every ${intervals.receiveMs} ms)`,
            ),
          ),
      },
      intervals,
    );
    this.#heartbeat.start();
  }

  #send(frame: StompFrame): void {
    const destination = requireDestination(frame);
    const headers: [string, string][] = [];
    // Carried to receivers of every version: see unsafeHeader.
    const unsafe = frame.plainHeaders === true ? undefined : unsafeHeader(frame.headers);
    if (unsafe !== undefined) {
      throw new StompProtocolError(
        `SEND header '${unsafe}' contains CR, LF or NUL (after unescaping), which STOMP 1.0 receivers cannot read`,
      );
    }
    for (const [name, value] of frame.headers) {
      if (!TRANSPORT_HEADERS.has(name)) headers.push([name, value]);
    }
    const txId = frame.headers.get('transaction');
    if (txId !== undefined) {
      this.#transactions.addSend(txId, frame.command, { destination, headers, body: frame.body });
      this.#receipt(frame);
      return;
    }
    this.router.send(destination, headers, frame.body, this.#tracked(frame));
  }

  #subscribe(frame: StompFrame): void {
    const destination = requireDestination(frame);
    const id =
      this.#version === '1.0'
        ? (frame.headers.get('id') ?? destination)
        : requireHeader(frame, 'id');
    if (this.#subscriptions.has(id)) {
      throw new StompProtocolError(`subscription id '${firstLine(id)}' is already in use`);
    }
    const ack = frame.headers.get('ack') ?? 'auto';
    if (!(ACK_MODES as readonly string[]).includes(ack)) {
      throw new StompProtocolError(
        `unsupported ack mode '${firstLine(ack)}' (known: ${ACK_MODES.join(', ')})`,
      );
    }
    const prefetchHeader =
      frame.headers.get('prefetch-count') ?? frame.headers.get('activemq.prefetchSize');
    let prefetch = this.options.defaultPrefetch;
    if (prefetchHeader !== undefined) {
      prefetch = Number(prefetchHeader);
      if (!/^\d{1,9}$/.test(prefetchHeader) || prefetch < 1) {
        throw new StompProtocolError(
          `prefetch-count '${firstLine(prefetchHeader)}' is not a positive integer`,
        );
      }
    }
    const subscription = new BrokerSubscription(
      id,
      destination,
      ack as AckMode,
      prefetch,
      this,
      this.#version !== '1.2',
    );
    this.#subscriptions.set(id, subscription);
    this.#receipt(frame);
    this.router.subscribe(subscription);
  }

  #unsubscribe(frame: StompFrame): void {
    const id =
      this.#version === '1.0'
        ? (frame.headers.get('id') ?? requireHeader(frame, 'destination'))
        : requireHeader(frame, 'id');
    const subscription = this.#subscriptions.get(id);
    if (subscription === undefined) {
      throw new StompProtocolError(`UNSUBSCRIBE of unknown subscription '${firstLine(id)}'`);
    }
    this.#dropSubscription(subscription);
    this.#receipt(frame);
  }

  #ackOrNack(frame: StompFrame): void {
    const { subscription, ackId } = this.#ackOwners.find(frame, this.#version, this.#subscriptions);
    const deliveries = subscription.covered(ackId);
    const txId = frame.headers.get('transaction');
    if (txId !== undefined) {
      const tx = this.#transactions.get(txId, frame.command);
      (frame.command === 'ACK' ? tx.acks : tx.nacks).push({ subscription, deliveries });
      this.#receipt(frame);
      return;
    }
    this.#ackOwners.forget(deliveries);
    if (frame.command === 'ACK') {
      this.router.ack(subscription, deliveries, this.#tracked(frame));
    } else {
      this.router.nack(subscription, deliveries);
      this.#receipt(frame);
    }
  }

  #begin(frame: StompFrame): void {
    this.#transactions.begin(requireHeader(frame, 'transaction'));
    this.#receipt(frame);
  }

  #commit(frame: StompFrame): void {
    const tx = this.#transactions.end(requireHeader(frame, 'transaction'), frame.command);
    for (const { deliveries } of [...tx.acks, ...tx.nacks]) {
      this.#ackOwners.forget(deliveries);
    }
    this.#track(frame, this.router.commit(tx.sends, tx.acks, tx.nacks));
  }

  #abort(frame: StompFrame): void {
    this.#transactions.end(requireHeader(frame, 'transaction'), frame.command);
    this.#receipt(frame);
  }

  #disconnect(frame: StompFrame): void {
    if (!this.#machine.transitionTo(['connected'], 'closing', 'DISCONNECT')) return;
    this.socket.pause();
    void this.#storeWrites.idle().then(() => {
      const receipt = frame.headers.get('receipt');
      if (receipt !== undefined) {
        this.#writeWhileClosing(
          encodeFrame('RECEIPT', [['receipt-id', receipt]], undefined, this.#version),
        );
      }
      this.#endSocket();
    });
    this.#releaseResources();
  }

  #forget(subscription: BrokerSubscription, delivery: BrokerDelivery): void {
    subscription.untrack(delivery);
    this.#ackOwners.forget([delivery]);
  }

  #dropSubscription(subscription: BrokerSubscription): void {
    this.#subscriptions.delete(subscription.id);
    this.#ackOwners.forget(subscription.unacked.values());
    this.router.unsubscribe(subscription);
  }

  /** Frees subscriptions (unacked messages go back to their queues), transactions and timers. */
  #releaseResources(): void {
    this.#heartbeat?.stop();
    clearTimeout(this.#connectTimer);
    this.#transactions.clear();
    for (const subscription of [...this.#subscriptions.values()]) {
      this.#dropSubscription(subscription);
    }
  }

  #closeGracefully(reason: string): void {
    if (!this.#machine.transitionTo(['awaiting-connect', 'connected'], 'closing', reason)) return;
    this.socket.pause();
    this.#releaseResources();
    this.#endSocket();
  }

  #writeWhileClosing(frame: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(frame);
  }

  #endSocket(): void {
    this.#writer.flush();
    this.socket.end();
    // A peer that does not read may never let the ERROR/RECEIPT flush: deadline, then destroy.
    this.#closeTimer = setTimeout(() => this.socket.destroy(), this.options.closeTimeoutMs);
    this.#closeTimer.unref();
  }

  #teardown(reason: string): void {
    if (this.#machine.state === 'closed') return;
    if (this.#machine.state !== 'closing') this.#releaseResources();
    this.#machine.transitionTo(['awaiting-connect', 'connected', 'closing'], 'closed', reason);
    clearTimeout(this.#closeTimer);
    this.socket.destroy();
    this.onClosed(this);
  }
}
