/**
 * Liveness of a link. Any received byte proves the peer alive; the link sends a HEARTBEAT frame
 * when it has been quiet, and declares the peer dead after `timeoutMs` of silence.
 */

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 500;
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 2_000;

/** What the heartbeat needs from its link (and what tests fake). */
export interface HeartbeatHost {
  now(): number;
  /** Runs `fn` after `ms`; returns a cancel function. Real hosts unref the timer. */
  schedule(fn: () => void, ms: number): () => void;
  /** When a byte last arrived from the peer. */
  lastReceivedAt(): number;
  /** When a frame was last handed to the socket. */
  lastSentAt(): number;
  sendHeartbeat(): void;
  /** The peer has been silent for `silentMs`. Called once. */
  onDead(silentMs: number): void;
}

export class Heartbeat {
  readonly #host: HeartbeatHost;
  readonly #intervalMs: number;
  #timeoutMs: number;
  #cancel: (() => void) | undefined;
  #stopped = false;

  constructor(host: HeartbeatHost, intervalMs: number, timeoutMs: number) {
    this.#host = host;
    this.#intervalMs = intervalMs;
    this.#timeoutMs = timeoutMs;
  }

  /** Starts watching; `timeoutMs` replaces the constructor's (a limit of this peer's own). */
  start(timeoutMs: number = this.#timeoutMs): void {
    if (this.#stopped || this.#cancel !== undefined) return;
    this.#timeoutMs = timeoutMs;
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    this.#cancel?.();
    this.#cancel = undefined;
  }

  #arm(): void {
    // Tick at half the interval so a quiet link sends within one interval.
    this.#cancel = this.#host.schedule(() => this.#tick(), Math.max(1, this.#intervalMs / 2));
  }

  #tick(): void {
    this.#cancel = undefined;
    if (this.#stopped) return;
    const now = this.#host.now();
    const silent = now - this.#host.lastReceivedAt();
    if (silent >= this.#timeoutMs) {
      this.#stopped = true;
      this.#host.onDead(silent);
      return;
    }
    if (now - this.#host.lastSentAt() >= this.#intervalMs / 2) this.#host.sendHeartbeat();
    this.#arm();
  }
}
