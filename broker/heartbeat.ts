/**
 * STOMP heart-beating for one connection: negotiation, and a small class over a narrow host
 * that sends an EOL when the connection has been quiet and reports a peer gone silent.
 */
import { StompProtocolError } from './errors.js';

export interface StompHeartbeatHost {
  /** Writes one heart-beat EOL. */
  sendHeartbeat(): void;
  /** The peer sent nothing for `silentMs`: drop it. */
  timedOut(silentMs: number): void;
  /**
   * Whether the broker itself has stopped reading from the peer (back-pressure): its
   * heart-beats are then unread, not missing, and silence is not held against it.
   */
  isReadPaused(): boolean;
}

/** Negotiated intervals, 0 meaning off. */
export interface HeartbeatIntervals {
  /** How often the broker must send something. */
  readonly sendMs: number;
  /** How often the client promised to send something. */
  readonly receiveMs: number;
}

/** The client's `heart-beat: cx,cy` against the broker's `sx,sy` (STOMP 1.1 "Heart-beating"). */
export function negotiateHeartbeat(
  header: string | undefined,
  serverSendMs: number,
  serverReceiveMs: number,
): HeartbeatIntervals {
  if (header === undefined) return { sendMs: 0, receiveMs: 0 };
  const match = /^\s*(\d{1,9})\s*,\s*(\d{1,9})\s*$/.exec(header);
  if (match === null) {
    throw new StompProtocolError(
      `malformed heart-beat header '${header.slice(0, 40)}': expected cx,cy`,
    );
  }
  const cx = Number(match[1]);
  const cy = Number(match[2]);
  return {
    sendMs: cy === 0 || serverSendMs === 0 ? 0 : Math.max(cy, serverSendMs),
    receiveMs: cx === 0 || serverReceiveMs === 0 ? 0 : Math.max(cx, serverReceiveMs),
  };
}

/** Read silence tolerated, as a multiple of the promised interval (network jitter, GC). */
export const HEARTBEAT_GRACE_FACTOR = 2;

export class StompHeartbeat {
  #lastRead: number;
  #lastWrite: number;
  #sendTimer: NodeJS.Timeout | undefined;
  #receiveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: StompHeartbeatHost,
    private readonly intervals: HeartbeatIntervals,
    private readonly now: () => number = Date.now,
  ) {
    this.#lastRead = now();
    this.#lastWrite = now();
  }

  noteRead(): void {
    this.#lastRead = this.now();
  }

  noteWrite(): void {
    this.#lastWrite = this.now();
  }

  start(): void {
    const { sendMs, receiveMs } = this.intervals;
    if (sendMs > 0) {
      // Checking at half the interval keeps every gap under sendMs.
      const every = Math.max(1, Math.floor(sendMs / 2));
      this.#sendTimer = setInterval(() => this.checkSend(), every);
      this.#sendTimer.unref();
    }
    if (receiveMs > 0) {
      this.#receiveTimer = setInterval(() => this.checkReceive(), receiveMs);
      this.#receiveTimer.unref();
    }
  }

  /** Sends a heart-beat when nothing was written for half the interval. */
  checkSend(): void {
    if (this.now() - this.#lastWrite >= this.intervals.sendMs / 2) {
      this.host.sendHeartbeat();
      this.#lastWrite = this.now();
    }
  }

  /** Reports a timeout when nothing was read for the grace period. */
  checkReceive(): void {
    if (this.host.isReadPaused()) {
      this.#lastRead = this.now();
      return;
    }
    const silent = this.now() - this.#lastRead;
    if (silent > this.intervals.receiveMs * HEARTBEAT_GRACE_FACTOR) {
      this.stop();
      this.host.timedOut(silent);
    }
  }

  stop(): void {
    if (this.#sendTimer !== undefined) clearInterval(this.#sendTimer);
    if (this.#receiveTimer !== undefined) clearInterval(this.#receiveTimer);
    this.#sendTimer = undefined;
    this.#receiveTimer = undefined;
  }
}
