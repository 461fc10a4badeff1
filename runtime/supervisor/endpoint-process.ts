/**
 * Runs one endpoint as an OS process and keeps it alive: restart with backoff after it dies,
 * quarantine after too many restarts in a window, hang detection (SIGTERM, then SIGKILL after a
 * grace period, then a restart), and a graceful stop. Reports arrive through `reports`, fed by
 * whatever link the process uses to talk to its node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Clock, TimerHandle } from '../clock.js';
import { systemClock } from '../clock.js';
import { OptionError, SpawnError } from '../errors.js';
import { DEFAULT_KILL_GRACE_MS, DEFAULT_START_LIMIT_MS } from '../config/defaults.js';
import { EndpointLifecycle, type EndpointState, type StateChange } from './lifecycle.js';
import { RestartPolicy } from './restart-policy.js';
import {
  describeHang,
  HangDetector,
  type EndpointReports,
  type HangReason,
} from './hang-detector.js';

export interface EndpointProcessSettings {
  readonly hangLimitMs: number;
  /** Allowance for the first report after a start. @defaultValue DEFAULT_START_LIMIT_MS */
  readonly startLimitMs?: number;
  readonly restartBackoff: { readonly initialMs: number; readonly maxMs: number };
  readonly quarantine: { readonly restarts: number; readonly windowMs: number };
  /** Between SIGTERM and SIGKILL. @defaultValue DEFAULT_KILL_GRACE_MS */
  readonly killGraceMs?: number;
}

export interface EndpointProcessListener {
  stateChange?(event: StateChange & { readonly endpoint: string }): void;
  /** One line the process wrote to stdout or stderr. */
  output?(event: {
    readonly endpoint: string;
    readonly stream: 'stdout' | 'stderr';
    readonly line: string;
  }): void;
  exit?(event: {
    readonly endpoint: string;
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly ranMs: number;
  }): void;
  hang?(event: { readonly endpoint: string; readonly reason: HangReason }): void;
}

export interface EndpointProcessOptions {
  readonly name: string;
  /** The program, e.g. `process.execPath`. */
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly settings: EndpointProcessSettings;
  readonly listener?: EndpointProcessListener;
  readonly clock?: Clock;
  readonly random?: () => number;
}

export interface EndpointProcessSnapshot {
  readonly name: string;
  readonly state: EndpointState;
  /** When the state was entered. */
  readonly sinceMs: number;
  readonly pid: number | undefined;
  /** Restarts since start (or the last restart by hand). */
  readonly restarts: number;
  readonly lastError: string | undefined;
  /** The step the endpoint last reported, and how long it has been in it. */
  readonly step: string | undefined;
  readonly stepAgeMs: number | undefined;
}

export class EndpointProcess implements AsyncDisposable {
  readonly name: string;
  /** Feed the endpoint's heartbeats and progress here. */
  readonly reports: EndpointReports;
  private readonly lifecycle: EndpointLifecycle;
  private readonly policy: RestartPolicy;
  private readonly hang: HangDetector;
  private readonly clock: Clock;
  private readonly killGraceMs: number;
  private child: ChildProcess | undefined;
  private startedAt = 0;
  private restarts = 0;
  private lastError: string | undefined;
  private stopRequested = false;
  /** Set while `restart()` stops the process: that stop is not one by hand. */
  private restarting = false;
  private killedForHang = false;
  private backoffTimer: TimerHandle | undefined;
  private killTimer: TimerHandle | undefined;
  private exitWaiters: (() => void)[] = [];
  private closing: Promise<void> | undefined;
  /** Set by `retire()`: never started again. */
  private retired = false;

  constructor(private readonly options: EndpointProcessOptions) {
    this.name = options.name;
    this.clock = options.clock ?? systemClock;
    this.killGraceMs = options.settings.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    if (!(this.killGraceMs > 0)) {
      throw new OptionError('killGraceMs', `must be > 0, got ${this.killGraceMs}`);
    }
    this.lifecycle = new EndpointLifecycle(
      this.name,
      () => this.clock.now(),
      (change) => options.listener?.stateChange?.({ ...change, endpoint: this.name }),
    );
    this.policy = new RestartPolicy({
      backoff: options.settings.restartBackoff,
      quarantine: options.settings.quarantine,
      clock: this.clock,
      ...(options.random === undefined ? {} : { random: options.random }),
    });
    this.hang = new HangDetector({
      hangLimitMs: options.settings.hangLimitMs,
      startLimitMs: options.settings.startLimitMs ?? DEFAULT_START_LIMIT_MS,
      clock: this.clock,
      onHang: (reason) => this.onHang(reason),
    });
    this.reports = this.hang;
  }

  get state(): EndpointState {
    return this.lifecycle.state;
  }

  snapshot(): EndpointProcessSnapshot {
    const current = this.lifecycle.is('running', 'stopping') ? this.hang.current() : undefined;
    return {
      name: this.name,
      state: this.lifecycle.state,
      sinceMs: this.lifecycle.sinceMs,
      pid: this.child?.pid,
      restarts: this.restarts,
      lastError: this.lastError,
      step: current?.step,
      stepAgeMs: current?.ageMs,
    };
  }

  /**
   * Starts the process (from `stopped`, or from `failed`: a start by hand clears the quarantine).
   * Resolves once it was spawned; a process that cannot be spawned goes the restart way.
   */
  start(): Promise<void> {
    if (this.retired || !this.lifecycle.is('stopped', 'failed')) return Promise.resolve();
    if (this.lifecycle.is('failed')) {
      this.policy.reset();
      this.restarts = 0;
    }
    this.stopRequested = false;
    this.closing = undefined;
    this.lifecycle.transitionTo(['stopped', 'failed'], 'starting', 'start');
    return this.spawnChild();
  }

  /**
   * Stops by hand: SIGTERM (the endpoint drains), SIGKILL after the grace period, or after
   * `killAfterMs` when given (a node losing an endpoint's lease must have it gone in time).
   */
  stop(killAfterMs?: number): Promise<void> {
    this.stopRequested = true;
    if (this.lifecycle.is('backoff')) {
      this.clearBackoff();
      this.lifecycle.transitionTo(['backoff'], 'stopped', 'stop requested');
      return Promise.resolve();
    }
    if (this.lifecycle.is('failed')) {
      this.lifecycle.transitionTo(['failed'], 'stopped', 'stop requested');
      return Promise.resolve();
    }
    if (this.lifecycle.is('starting', 'running')) {
      this.lifecycle.transitionTo(['starting', 'running'], 'stopping', 'stop requested');
      this.terminate(killAfterMs);
    } else if (killAfterMs !== undefined && this.child !== undefined) {
      // Already stopping (a hang, a stop by hand): its grace may outlast the deadline given.
      const child = this.child;
      this.clock.setTimeout(() => {
        if (this.child === child) child.kill('SIGKILL');
      }, killAfterMs);
    }
    if (this.child === undefined) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /**
   * The process starts its real work only now (a warm standby taking its endpoint over): it is
   * watched as a fresh start again, its first report due within `startLimitMs`.
   */
  watchStart(): void {
    if (this.lifecycle.is('running')) this.hang.start();
  }

  /** Stops (if running) and starts again, clearing a quarantine. */
  async restart(): Promise<void> {
    this.restarting = true;
    try {
      await this.stop();
    } finally {
      this.restarting = false;
    }
    this.policy.reset();
    this.restarts = 0;
    await this.start();
  }

  /**
   * Whether it was stopped on request (`stop()`: by hand, or by its node), and is stopping or
   * stopped so: not a restart's stop, nor a hang's kill, which start it again.
   */
  get stoppedOnRequest(): boolean {
    return this.stopRequested && !this.restarting && this.lifecycle.is('stopping', 'stopped');
  }

  /** Stops for good. Idempotent until the next `start()`. */
  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  /**
   * Stops (draining) and never starts again, whoever asks: for an endpoint that leaves its
   * supervisor, so that a start or restart already under way cannot revive it. Idempotent.
   */
  retire(): Promise<void> {
    this.retired = true;
    return this.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private spawnChild(): Promise<void> {
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(this.options.command, [...(this.options.args ?? [])], {
          cwd: this.options.cwd,
          env: this.options.env ?? process.env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } catch (err) {
        this.lastError = new SpawnError(`cannot start ${this.name}: ${(err as Error).message}`, {
          cause: err,
        }).message;
        this.afterDeath(0);
        resolve();
        return;
      }
      this.child = child;
      this.startedAt = this.clock.now();
      for (const stream of ['stdout', 'stderr'] as const) {
        const input = child[stream];
        if (input === null) continue;
        createInterface({ input }).on('line', (line) =>
          this.options.listener?.output?.({ endpoint: this.name, stream, line }),
        );
      }
      child.once('spawn', () => {
        if (this.lifecycle.is('starting')) {
          this.lifecycle.transitionTo(['starting'], 'running', `pid ${child.pid ?? '?'}`);
          this.hang.start();
        }
        resolve();
      });
      child.once('error', (err) => {
        // Spawn failures (ENOENT, EACCES) end here and never emit 'exit'.
        if (child.pid === undefined) {
          this.onExit(child, null, null, `cannot start ${this.name}: ${err.message}`);
          resolve();
        }
      });
      child.once('exit', (code, signal) => this.onExit(child, code, signal));
    });
  }

  private onExit(
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
    spawnError?: string,
  ): void {
    if (this.child !== child) return;
    this.child = undefined;
    const killedForHang = this.killedForHang;
    this.killedForHang = false;
    this.hang.stop();
    if (this.killTimer !== undefined) this.clock.clearTimeout(this.killTimer);
    this.killTimer = undefined;
    const ranMs = this.clock.now() - this.startedAt;
    this.options.listener?.exit?.({ endpoint: this.name, code, signal, ranMs });
    if (this.stopRequested) {
      this.lifecycle.transitionTo(
        ['stopping', 'starting', 'running'],
        'stopped',
        exitText(code, signal),
      );
    } else {
      // After a hang kill the hang is the error worth showing, not the SIGKILL.
      if (spawnError !== undefined) this.lastError = spawnError;
      else if (!killedForHang) this.lastError = `exited: ${exitText(code, signal)}`;
      this.afterDeath(ranMs);
    }
    for (const wake of this.exitWaiters.splice(0)) wake();
  }

  /** An unrequested end: restart after a backoff, or quarantine. */
  private afterDeath(ranMs: number): void {
    const decision = this.policy.onDeath(ranMs);
    const from: EndpointState[] = ['starting', 'running', 'stopping'];
    if (decision.action === 'quarantine') {
      this.lifecycle.transitionTo(
        from,
        'failed',
        `quarantined: ${decision.restartsInWindow} restarts within ${decision.windowMs} ms; last: ${this.lastError ?? 'unknown'}`,
      );
      return;
    }
    this.restarts += 1;
    this.lifecycle.transitionTo(
      from,
      'backoff',
      `restart in ${decision.delayMs} ms (${this.lastError ?? ''})`,
    );
    this.backoffTimer = this.clock.setTimeout(() => {
      this.backoffTimer = undefined;
      if (!this.lifecycle.is('backoff')) return;
      this.lifecycle.transitionTo(['backoff'], 'starting', `restart #${this.restarts}`);
      void this.spawnChild();
    }, decision.delayMs);
  }

  private onHang(reason: HangReason): void {
    if (!this.lifecycle.is('running')) return;
    this.lastError = `hung: ${describeHang(reason)}`;
    this.killedForHang = true;
    this.options.listener?.hang?.({ endpoint: this.name, reason });
    this.lifecycle.transitionTo(['running'], 'stopping', this.lastError);
    this.terminate();
  }

  /** SIGTERM now, SIGKILL after the grace period (or `graceMs`) if it is still there. */
  private terminate(graceMs = this.killGraceMs): void {
    const child = this.child;
    if (child === undefined) return;
    child.kill('SIGTERM');
    this.killTimer = this.clock.setTimeout(() => {
      this.killTimer = undefined;
      if (this.child === child) child.kill('SIGKILL');
    }, graceMs);
  }

  private clearBackoff(): void {
    if (this.backoffTimer !== undefined) this.clock.clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
  }
}

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `killed by ${signal}` : `exit code ${code ?? '?'}`;
}
