/**
 * Hang detection over a narrow interface: whatever link carries an endpoint's reports (the
 * cluster protocol over a Unix socket, later) feeds `heartbeat()` and `progress()`. An endpoint
 * is hung when heartbeats stop for `hangLimitMs` (a blocked event loop) or when it stays in one
 * working step for `hangLimitMs` (a call that never returns). Waiting steps (an empty FIFO, no
 * message) never count as no headway.
 */
import type { Clock, TimerHandle } from '../clock.js';
import { OptionError } from '../errors.js';
import { WAITING_STEPS } from '../endpoint/progress.js';

/** What an endpoint process reports to its supervisor. */
export interface EndpointReports {
  /** The endpoint is alive now. */
  heartbeat(): void;
  /** The endpoint entered `step` at `sinceMs` (ms since the epoch). */
  progress(step: string, sinceMs: number): void;
}

export type HangReason =
  | { readonly kind: 'no-heartbeat'; readonly silentMs: number }
  | { readonly kind: 'no-progress'; readonly step: string; readonly stuckMs: number };

export function describeHang(reason: HangReason): string {
  return reason.kind === 'no-heartbeat'
    ? `no heartbeat for ${reason.silentMs} ms`
    : `no headway in step '${reason.step}' for ${reason.stuckMs} ms`;
}

export interface HangDetectorOptions {
  readonly hangLimitMs: number;
  /**
   * How long a freshly started process may take to send its first report (loading WSDLs,
   * connecting, a machine under load). @defaultValue hangLimitMs
   */
  readonly startLimitMs?: number;
  readonly clock: Clock;
  /** Called once per `start()`, when a hang is found. */
  readonly onHang: (reason: HangReason) => void;
  /** @defaultValue min(hangLimitMs / 4, 500) */
  readonly checkIntervalMs?: number;
  /** @defaultValue WAITING_STEPS */
  readonly waitingSteps?: ReadonlySet<string>;
}

export class HangDetector implements EndpointReports {
  private lastHeartbeat = 0;
  private reported = false;
  private step: string | undefined;
  private stepSince = 0;
  private timer: TimerHandle | undefined;
  private armed = false;
  private readonly checkIntervalMs: number;
  private readonly waitingSteps: ReadonlySet<string>;

  constructor(private readonly options: HangDetectorOptions) {
    if (!(options.hangLimitMs > 0)) {
      throw new OptionError('hangLimitMs', `must be > 0, got ${options.hangLimitMs}`);
    }
    if (options.startLimitMs !== undefined && !(options.startLimitMs > 0)) {
      throw new OptionError('startLimitMs', `must be > 0, got ${options.startLimitMs}`);
    }
    this.checkIntervalMs =
      options.checkIntervalMs ?? Math.max(1, Math.min(options.hangLimitMs / 4, 500));
    this.waitingSteps = options.waitingSteps ?? WAITING_STEPS;
  }

  /** Starts watching a fresh process: its start counts as a heartbeat. */
  start(): void {
    this.stop();
    this.armed = true;
    this.reported = false;
    this.lastHeartbeat = this.options.clock.now();
    this.step = undefined;
    this.schedule();
  }

  stop(): void {
    this.armed = false;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  heartbeat(): void {
    this.reported = true;
    this.lastHeartbeat = this.options.clock.now();
  }

  progress(step: string, sinceMs: number): void {
    this.reported = true;
    this.step = step;
    this.stepSince = sinceMs;
    // A progress report is proof of life too.
    this.lastHeartbeat = Math.max(this.lastHeartbeat, this.options.clock.now());
  }

  /** The current step and how long the endpoint has been in it. */
  current(): { readonly step: string; readonly ageMs: number } | undefined {
    if (this.step === undefined) return undefined;
    return { step: this.step, ageMs: this.options.clock.now() - this.stepSince };
  }

  /** Looks now; fires `onHang` (and disarms) when hung. */
  check(): void {
    if (!this.armed) return;
    const now = this.options.clock.now();
    const limit = this.options.hangLimitMs;
    const silenceLimit = this.reported ? limit : (this.options.startLimitMs ?? limit);
    let reason: HangReason | undefined;
    if (now - this.lastHeartbeat > silenceLimit) {
      reason = { kind: 'no-heartbeat', silentMs: now - this.lastHeartbeat };
    } else if (
      this.step !== undefined &&
      !this.waitingSteps.has(this.step) &&
      now - this.stepSince > limit
    ) {
      reason = { kind: 'no-progress', step: this.step, stuckMs: now - this.stepSince };
    }
    if (reason === undefined) return;
    this.stop();
    this.options.onHang(reason);
  }

  private schedule(): void {
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.armed) return;
      this.check();
      if (this.armed) this.schedule();
    }, this.checkIntervalMs);
    this.timer.unref?.();
  }
}
