/**
 * One connection to another kernel: the handshake (both roles), frame decoding, the coalescing
 * writer, heartbeats and pings. Calls outlive links, so the kernel keeps them (OutgoingCalls) and
 * the link hands it their answers. Its life is a guarded state machine;
 * everything a link cannot handle itself goes to its host (the kernel) through `LinkHost`. The
 * types it shares with the handshake and the kernel are in link-types.ts.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { debuglog } from 'node:util';
import {
  CallError,
  ClusterError,
  HandshakeError,
  ProtocolError,
  QueueFullError,
  RemoteError,
} from './errors.js';
import { FrameDecoder, HANDSHAKE_MAX_FRAME_BYTES, encodeFrame, type Frame } from './frame-codec.js';
import { FrameWriter } from './frame-writer.js';
import { StateMachine, type TransitionTable } from '../util/index.js';
import { Heartbeat } from './heartbeat.js';
import { LinkHandshake } from './link-handshake.js';
import { PendingCalls, type SettleOutcome } from './pending-calls.js';
import { WritableWaiters } from './writable-waiters.js';
import type { ReadBuffer } from './read-buffer.js';
import { tlsAuthenticates } from './certificate-names.js';
import { isLoopbackHost } from './advertise.js';
import {
  FrameType,
  type ErrorMessage,
  type HelloMessage,
  type ErrorOperation,
  type KernelRole,
  type Message,
} from './messages.js';
import { encodeBye, encodeError, encodeId } from './message-encoding.js';
import { decodeMessage } from './message-decoding.js';
import type { KernelCounters } from './stats.js';
import type {
  HandshakeHost,
  LinkDirection,
  LinkSettings,
  LinkState,
  PeerIdentity,
} from './link-types.js';

const trace = debuglog('aes-cluster');

/** What a link needs from its kernel (the handshake's needs, and more). */
export interface LinkHost extends HandshakeHost {
  readonly settings: LinkSettings;
  readonly counters: KernelCounters;
  /** TLS alone authenticates only the names its certificate carries (`tls.bindNames`). */
  readonly tlsBindNames: boolean;
  /** The silence after which `peer` is declared dead (`settings.heartbeatTimeoutMs` or its own). */
  heartbeatTimeoutFor(peer: string): number;
  /** Inbound only: may this peer join? The refusal, or undefined (a promise while it probes). */
  admit(
    link: Link,
    hello: HelloMessage,
  ): ClusterError | undefined | Promise<ClusterError | undefined>;
  /** Both directions, just before ready: a NAME_TAKEN refusal when the peer's aliases clash. */
  nameClash(peer: PeerIdentity): ClusterError | undefined;
  linkReady(link: Link): void;
  linkMessage(link: Link, message: Message): void;
  linkError(link: Link, op: ErrorOperation, error: ClusterError): void;
  linkClosed(link: Link, reason: string, error: ClusterError | undefined): void;
  /** A request id from the kernel's one counter (pings share it with calls). */
  nextRequestId(): number;
  /** A REPLY (`error` undefined) or FAIL arrived: whether it answers a call made on this link. */
  callAnswer(link: Link, id: number, value: unknown, error?: Error): SettleOutcome;
}

const LEGAL: TransitionTable<LinkState> = {
  connecting: ['handshaking', 'closing', 'closed'],
  handshaking: ['ready', 'closing', 'closed'],
  ready: ['closing', 'closed'],
  closing: ['closed'],
  closed: [],
};
const EMPTY = Buffer.alloc(0);
const HEARTBEAT_FRAME = encodeFrame(FrameType.HEARTBEAT);
/**
 * Answers to a peer's requests (PONG, FAIL, SUBSCRIBED, ERROR) are control frames, handed to the
 * socket even while it is backed up. Past this many such bytes the peer is not reading them:
 * the link stops reading from it until the socket drains, so a peer that floods requests and
 * never reads cannot make this process buffer without bound. A peer that stays unread longer
 * than the heartbeat timeout is disconnected like a silent one.
 */
export const MAX_CONTROL_BACKLOG_BYTES = 1024 * 1024;
let nextLinkId = 1;

export class Link {
  readonly id = nextLinkId++;
  readonly direction: LinkDirection;
  readonly #host: LinkHost;
  readonly #socket: Socket;
  readonly #decoder = new FrameDecoder(HANDSHAKE_MAX_FRAME_BYTES);
  readonly #writer: FrameWriter;
  readonly #heartbeat: Heartbeat;
  readonly #remote: string;
  readonly #machine: StateMachine<LinkState>;
  #peer: PeerIdentity | undefined;
  readonly #handshake: LinkHandshake;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #lastRx = Date.now();
  #lastTx = Date.now();
  readonly #pending = new PendingCalls();
  readonly #writableWaiters = new WritableWaiters();
  #closeReason = '';
  #ending = false;
  /** Reading is paused because the peer does not read our answers. */
  #readPaused = false;
  /** The socket's local address, kept once known (it is gone after the close). */
  #localAddress: string | undefined;
  #closeError: ClusterError | undefined;
  #readyResolve: ((peer: PeerIdentity) => void) | undefined;
  #readyReject: ((err: ClusterError) => void) | undefined;
  /** Resolves when the handshake completes; rejects when the link closes before. */
  readonly ready: Promise<PeerIdentity>;
  /** Resolves once the connection is closed. */
  readonly closed: Promise<void>;
  #resolveClosed: () => void = () => undefined;
  /** Free for the host's bookkeeping (e.g. which listener accepted it). */
  readonly label: string;

  constructor(
    host: LinkHost,
    socket: Socket,
    direction: LinkDirection,
    label: string,
    tls: boolean,
    reads?: ReadBuffer,
  ) {
    this.#host = host;
    this.#socket = socket;
    this.direction = direction;
    this.label = label;
    this.#remote =
      direction === 'inbound' && socket.remoteAddress !== undefined
        ? `${socket.remoteAddress}:${socket.remotePort ?? 0}`
        : label;
    this.#machine = new StateMachine({
      name: `link ${this.id}`,
      initial: direction === 'outbound' ? 'connecting' : 'handshaking',
      legal: LEGAL,
      trace: ({ from, to, reason }, refused) => {
        const [id, peer] = [this.id, this.peerName];
        if (refused) trace('link %d (%s): refused %s -> %s (%s)', id, peer, from, to, reason);
        // The socket's own close has no reason to give.
        else if (reason === '') trace('link %d (%s): %s -> %s', id, peer, from, to);
        else trace('link %d (%s): %s -> %s (%s)', id, peer, from, to, reason);
      },
    });
    this.ready = new Promise<PeerIdentity>((resolve, reject) => {
      this.#readyResolve = resolve;
      this.#readyReject = reject;
    });
    this.closed = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
    // Nobody need listen to `ready`; a failed handshake is also reported through the host.
    this.ready.catch(() => undefined);
    this.#handshake = new LinkHandshake({
      host,
      direction,
      label,
      sameHost: () => this.sameHost,
      tlsAuthenticates: (name) =>
        tls && tlsAuthenticates(socket as TLSSocket, name, host.tlsBindNames),
      admit: (hello) => host.admit(this, hello),
      handshaking: () => this.#machine.state === 'handshaking',
      sendControl: (frame) => this.#sendControl(frame),
      ready: (peer) => this.#becomeReady(peer),
      fail: (error) => this.#handshakeFailure(error),
      refused: (message) => this.#refusedByPeer(message),
    });
    this.#writer = new FrameWriter(socket, host.settings.highWaterBytes, (bytes) => {
      host.counters.bytesOut += bytes;
    });
    this.#heartbeat = new Heartbeat(
      {
        now: () => Date.now(),
        schedule: (fn, ms) => {
          const t = setTimeout(fn, ms);
          t.unref();
          return () => clearTimeout(t);
        },
        lastReceivedAt: () => this.#lastRx,
        lastSentAt: () => this.#lastTx,
        sendHeartbeat: () => this.#sendControl(HEARTBEAT_FRAME),
        onDead: (silentMs) => {
          const error = new ClusterError(
            'CHANNEL_CLOSED',
            this.#readPaused
              ? `'${this.peerName}' does not read what it is sent (more than ${MAX_CONTROL_BACKLOG_BYTES} bytes of answers unread; nothing read from it for ${silentMs} ms)`
              : `'${this.peerName}' silent for ${silentMs} ms (heartbeat timeout)`,
          );
          host.linkError(this, 'channel', error);
          this.destroy(error);
        },
      },
      host.settings.heartbeatIntervalMs,
      host.settings.heartbeatTimeoutMs,
    );
    socket.setNoDelay(true);
    if (reads === undefined) socket.on('data', (chunk: Buffer) => this.#onData(chunk, false));
    else reads.attach((chunk) => this.#onData(chunk, true));
    socket.on('drain', () => this.#onDrain());
    socket.on('error', (err) => {
      if (this.#closeError !== undefined) return;
      const target = this.direction === 'outbound' ? this.label : this.#remote;
      this.#closeError = new ClusterError(
        'CHANNEL_CLOSED',
        `connection ${this.direction === 'outbound' ? 'to' : 'from'} ${target}: ${err.message}`,
        { cause: err },
      );
      host.linkError(this, 'channel', this.#closeError);
    });
    socket.on('close', () => this.#onClose());
    socket.on('end', () => socket.end());
    this.#handshakeTimer = setTimeout(
      () => this.#onHandshakeTimeout(),
      host.settings.handshakeTimeoutMs,
    );
    this.#handshakeTimer.unref();
  }

  get state(): LinkState {
    return this.#machine.state;
  }
  /** The peer, once the handshake is done. */
  get peer(): PeerIdentity | undefined {
    return this.#peer;
  }
  /** The peer's name, or a description of the connection before the handshake. */
  get peerName(): string {
    return this.#peer?.name ?? this.#handshake.hello?.name ?? `${this.direction} ${this.label}`;
  }
  /** The peer's role (`kernel`, `client`, …), once its HELLO (or WELCOME) arrived. */
  get peerRole(): KernelRole | undefined {
    return this.#peer?.role ?? this.#handshake.hello?.role;
  }
  /** Where the connection comes from (inbound) or goes to (outbound). */
  get remoteAddress(): string {
    return this.#remote;
  }
  /**
   * The peer runs on this host: the link is a Unix socket, or a TCP connection between loopback
   * addresses. Such a peer may be told this kernel's host-local addresses.
   */
  get sameHost(): boolean {
    if (this.label.startsWith('unix:')) return true;
    this.#localAddress ??= this.#socket.localAddress;
    return this.#localAddress !== undefined && isLoopbackHost(this.#localAddress);
  }
  /** The nonce this side sent in its HELLO or WELCOME (tells a dial of this kernel itself). */
  get handshakeNonce(): string {
    return this.#handshake.nonce;
  }
  /** Bulk bytes waiting for the socket. */
  get queuedBytes(): number {
    return this.#writer.queuedBytes;
  }
  /** Bytes handed to the socket and not sent yet. */
  get socketBytes(): number {
    return this.#socket.writableLength;
  }
  get writable(): boolean {
    return this.#writer.writable;
  }

  /** Outbound: the socket is connected; send HELLO. */
  start(): void {
    if (this.direction !== 'outbound') return;
    this.transitionTo(['connecting'], 'handshaking', 'socket connected');
    this.#sendControl(this.#handshake.helloFrame());
  }

  /** Moves the state machine; refuses (and traces) a move that is not legal from here. */
  transitionTo(from: readonly LinkState[], to: LinkState, reason: string): boolean {
    return this.#machine.transitionTo(from, to, reason);
  }

  /**
   * Queues a bulk frame. Returns false when the queue is above its high-water mark (the frame is
   * still queued); throws `QueueFullError` above the hard bound.
   */
  send(type: number, body: string, tail?: string): boolean {
    if (this.#machine.state !== 'ready') {
      throw new CallError('CHANNEL_CLOSED', `link to '${this.peerName}' is ${this.#machine.state}`);
    }
    const queued = this.#writer.queuedBytes;
    if (queued >= this.#host.settings.maxQueueBytes) {
      this.#host.counters.queueFull += 1;
      throw new QueueFullError(this.peerName, queued, this.#host.settings.maxQueueBytes);
    }
    this.#lastTx = Date.now();
    return this.#writer.enqueue(type, body, tail);
  }

  /** Sends a frame ahead of bulk traffic (heartbeat, pong, errors). */
  sendPriority(type: number, body: string): void {
    this.#sendControl(encodeFrame(type, body));
  }

  /** Resolves once the outbound queue is below its high-water mark again. */
  waitWritable(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.#writer.writable) return Promise.resolve();
    if (this.#machine.state === 'closed' || this.#machine.state === 'closing') {
      return Promise.reject(new CallError('CHANNEL_CLOSED', `link to '${this.peerName}' closed`));
    }
    return this.#writableWaiters.wait(`waiting for '${this.peerName}' to drain`, options);
  }

  /** Pings the peer at the protocol level; resolves with 'PONG'. */
  ping(options: { timeoutMs?: number; signal?: AbortSignal }): Promise<'PONG'> {
    if (this.#machine.state !== 'ready') {
      return Promise.reject(
        new CallError('CHANNEL_CLOSED', `link to '${this.peerName}' is ${this.#machine.state}`),
      );
    }
    const id = this.#host.nextRequestId();
    this.#sendControl(encodeFrame(FrameType.PING, encodeId(id)));
    return this.#pending
      .add(id, options, () => `ping to '${this.peerName}'`, 'ping')
      .then(() => 'PONG' as const);
  }

  /** Graceful: say BYE (when ready), flush, end the socket; destroy after a grace period. */
  close(reason: string, sayBye = true): void {
    if (this.#machine.state === 'closing' || this.#machine.state === 'closed') return;
    // BYE goes behind the bulk frames already queued, so the peer handles those first.
    if (sayBye && this.#machine.state === 'ready')
      this.#writer.enqueue(FrameType.BYE, encodeBye(reason));
    this.#closeReason ||= reason;
    this.transitionTo([this.#machine.state], 'closing', reason);
    this.#ending = true;
    this.#writer.flush();
    this.#endWhenFlushed();
    const t = setTimeout(() => this.#socket.destroy(), 5_000);
    t.unref();
  }

  #endWhenFlushed(): void {
    if (this.#ending && this.#writer.queuedBytes === 0) this.#socket.end();
  }

  /** Tells the peer what went wrong (when possible) and closes the connection now. */
  destroy(error: ClusterError, op: ErrorOperation = 'channel'): void {
    if (this.#machine.state === 'closed') return;
    this.#closeError ??= error;
    this.#closeReason ||= error.message;
    if (this.#machine.state !== 'closing') {
      this.#sendControl(
        encodeFrame(FrameType.ERROR, encodeError(error.code, error.message, op, null)),
      );
      this.transitionTo([this.#machine.state], 'closing', error.message);
      this.#writer.flush();
    }
    this.#socket.end();
    // Give the ERROR frame a moment to leave, then cut.
    const t = setTimeout(() => this.#socket.destroy(), 200);
    t.unref();
  }

  // ------------------------------------------------------------------ internals

  #isOpen(): boolean {
    return this.#machine.state !== 'closing' && this.#machine.state !== 'closed';
  }

  #sendControl(frame: Buffer): void {
    this.#lastTx = Date.now();
    this.#writer.enqueueControl(frame);
    if (!this.#readPaused && this.#writer.controlBacklogBytes > MAX_CONTROL_BACKLOG_BYTES) {
      this.#readPaused = true;
      this.#host.counters.readsPaused += 1;
      trace('link %d (%s): peer does not read its answers; reading paused', this.id, this.peerName);
      this.#socket.pause();
    }
  }

  #onDrain(): void {
    this.#writer.drained();
    this.#writer.flush();
    if (this.#readPaused && this.#writer.controlBacklogBytes <= MAX_CONTROL_BACKLOG_BYTES) {
      this.#readPaused = false;
      trace('link %d (%s): socket drained; reading resumed', this.id, this.peerName);
      this.#socket.resume();
    }
    this.#endWhenFlushed();
    if (this.#writer.writable && this.#writableWaiters.size > 0) this.#writableWaiters.wakeAll();
  }

  /** `reused`: the chunk's bytes are overwritten by the next read (see ReadBuffer). */
  #onData(chunk: Buffer, reused: boolean): void {
    this.#lastRx = Date.now();
    const counters = this.#host.counters;
    counters.bytesIn += chunk.length;
    let input = chunk;
    for (;;) {
      if (this.#machine.state === 'closed' || this.#machine.state === 'closing') return;
      const handshaking = this.#machine.state !== 'ready';
      let frames: Frame[];
      try {
        // During the handshake take one frame at a time: the limit rises once the peer is known.
        frames = this.#decoder.push(input, handshaking ? 1 : Infinity, reused);
      } catch (err) {
        this.#protocolFailure(err as ProtocolError);
        return;
      }
      input = EMPTY;
      counters.framesIn += frames.length;
      for (const frame of frames) {
        if (!this.#isOpen()) return;
        this.#onFrame(frame);
      }
      if (!handshaking || frames.length === 0) return;
    }
  }

  #protocolFailure(error: ClusterError): void {
    const counters = this.#host.counters;
    counters.protocolErrors += 1;
    if (error.code === 'FRAME_TOO_LARGE') counters.framesTooLarge += 1;
    this.#host.linkError(this, 'parse', error);
    this.destroy(error, 'parse');
  }

  #onFrame(frame: Frame): void {
    let message: Message;
    try {
      message = decodeMessage(frame.type, frame.body);
    } catch (err) {
      this.#protocolFailure(
        err instanceof ClusterError ? err : new ProtocolError('BAD_MESSAGE', String(err)),
      );
      return;
    }
    if (this.#machine.state !== 'ready') {
      this.#handshake.onMessage(message);
      return;
    }
    switch (message.kind) {
      case 'heartbeat':
        return;
      case 'ping':
        this.#sendControl(encodeFrame(FrameType.PONG, encodeId(message.id)));
        return;
      case 'pong':
      case 'reply':
      case 'fail':
        this.#onAnswer(message);
        return;
      case 'hello':
      case 'welcome':
      case 'auth':
        this.#protocolFailure(
          new ProtocolError('BAD_MESSAGE', `unexpected ${message.kind} after the handshake`),
        );
        return;
      case 'bye':
        this.#closeReason = `peer left: ${message.reason}`;
        this.#host.linkMessage(this, message);
        this.close(this.#closeReason, false);
        return;
      default:
        this.#host.linkMessage(this, message);
    }
  }

  #onAnswer(message: Extract<Message, { kind: 'pong' | 'reply' | 'fail' }>): void {
    const counters = this.#host.counters;
    const outcome =
      message.kind === 'fail'
        ? this.#host.callAnswer(
            this,
            message.id,
            undefined,
            new RemoteError(this.peerName, message.code, message.message),
          )
        : message.kind === 'reply'
          ? this.#host.callAnswer(this, message.id, message.result)
          : this.#pending.settle(message.id, 'ping', 'PONG');
    if (outcome === 'answered') {
      if (message.kind === 'reply') counters.repliesReceived += 1;
      return;
    }
    if (outcome === 'late') {
      counters.lateReplies += 1;
      return;
    }
    counters.unexpectedReplies += 1;
    const error = new ProtocolError(
      'UNEXPECTED_REPLY',
      `'${this.peerName}' sent ${message.kind.toUpperCase()} ${message.id}, which answers no ${message.kind === 'pong' ? 'ping' : 'call'} made to it (or one already answered)`,
    );
    this.#host.linkError(this, 'check', error);
    this.sendPriority(FrameType.ERROR, encodeError(error.code, error.message, 'check', null));
  }

  /** The peer refused the handshake: keep its code (NAME_TAKEN, AUTH_FAILED, BUSY, ...). */
  #refusedByPeer(message: ErrorMessage): void {
    const who =
      this.direction === 'outbound' ? `'${this.label}'` : `${this.peerName} (${this.#remote})`;
    const error = new HandshakeError(
      message.code,
      `${who} refused the handshake: ${message.message}`,
    );
    if (message.code === 'AUTH_FAILED') this.#host.counters.authFailures += 1;
    if (message.code === 'NAME_TAKEN') this.#host.counters.nameConflicts += 1;
    this.#closeError = error;
    // Two kernels dialing each other at once is normal, not an error.
    if (message.code !== 'DUPLICATE_LINK') this.#host.linkError(this, 'handshake', error);
    this.close(error.message, false);
  }

  #handshakeFailure(error: ClusterError): void {
    if (error.code === 'AUTH_FAILED') this.#host.counters.authFailures += 1;
    else if (error.code === 'NAME_TAKEN') this.#host.counters.nameConflicts += 1;
    else if (error instanceof ProtocolError) this.#host.counters.protocolErrors += 1;
    if (error.code !== 'DUPLICATE_LINK') this.#host.linkError(this, 'handshake', error);
    this.destroy(error, 'handshake');
  }

  #becomeReady(peer: PeerIdentity): void {
    const clash = this.#host.nameClash(peer);
    if (clash !== undefined) {
      this.#handshakeFailure(clash);
      return;
    }
    if (!this.transitionTo(['handshaking'], 'ready', `handshake with '${peer.name}' done`)) return;
    clearTimeout(this.#handshakeTimer);
    this.#peer = peer;
    this.#decoder.setMaxFrameBytes(this.#host.settings.maxFrameBytes);
    this.#host.counters.handshakesCompleted += 1;
    this.#heartbeat.start(this.#host.heartbeatTimeoutFor(peer.name));
    this.#readyResolve?.(peer);
    this.#host.linkReady(this);
  }

  #onHandshakeTimeout(): void {
    if (this.#machine.state !== 'connecting' && this.#machine.state !== 'handshaking') return;
    this.#host.counters.handshakeTimeouts += 1;
    this.#handshakeFailure(
      new HandshakeError(
        'HANDSHAKE_TIMEOUT',
        `handshake with ${this.remoteAddress} not done within ${this.#host.settings.handshakeTimeoutMs} ms`,
      ),
    );
  }

  #onClose(): void {
    const before = this.#machine.state;
    if (before === 'closed') return;
    this.#machine.transitionTo([before], 'closed', '');
    clearTimeout(this.#handshakeTimer);
    this.#heartbeat.stop();
    this.#writer.close();
    const error =
      this.#closeError ??
      (this.#closeReason === ''
        ? new ClusterError('CHANNEL_CLOSED', `connection to '${this.peerName}' closed by the peer`)
        : undefined);
    const reason = this.#closeReason || error?.message || 'closed';
    if (
      this.direction === 'inbound' &&
      this.#peer === undefined &&
      this.#closeError === undefined &&
      this.#closeReason === ''
    ) {
      this.#host.counters.closedBeforeHandshake += 1;
      this.#host.linkError(
        this,
        'handshake',
        new HandshakeError(
          'CHANNEL_CLOSED',
          `connection from ${this.remoteAddress} closed before the handshake completed`,
        ),
      );
    }
    // Pings die with the link; the kernel decides what becomes of its calls (linkClosed).
    this.#pending.rejectAll(
      new CallError('CHANNEL_CLOSED', `link to '${this.peerName}' closed: ${reason}`),
    );
    this.#writableWaiters.wakeAll();
    this.#readyReject?.(
      this.#closeError ??
        new HandshakeError('CHANNEL_CLOSED', `connection closed during the handshake: ${reason}`),
    );
    this.#host.linkClosed(this, reason, error);
    this.#resolveClosed();
  }
}
