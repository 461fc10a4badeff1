/**
 * An endpoint process always exits: a launched endpoint that outlives its node, or fails in a way
 * nobody catches, must not stay alive holding its data folder's lock — no new copy could start.
 *
 * What it guards against:
 * - **Output gone.** The node reads the process's stdout and stderr; when the node dies, writing
 *   a line raises EPIPE on the stream. Unhandled, that error ended the process from inside a
 *   store write (below). Here a broken output is noted, and further lines are dropped.
 * - **An uncaught error or unhandled rejection.** Node would exit at once. An exit while lmdb-js
 *   has a commit waiting for the main thread deadlocks (see `runtime/store/open-stores.ts`), so
 *   the guard logs the error, closes the open stores, then exits with 1.
 * - **A drain that never ends, or handles that keep the process alive** after the endpoint has
 *   stopped: `exitWithin()` sets a limit, after which the process exits the same careful way.
 * - **An exit that still hangs.** `exit()` arms a last-resort `SIGKILL` of the process itself.
 *   Nothing is lost by it: every store survives kill -9 by design, an unacknowledged message is
 *   redelivered and a popped record's journal entry is replayed.
 */
import { closeOpenStores } from '../store/open-stores.js';
import type { Logger } from './logger.js';

/** How long the open stores get to close before the process exits anyway: 5 s. */
export const DEFAULT_STORE_CLOSE_TIMEOUT_MS = 5_000;
/** After the endpoint stopped, how long the process may take to end by itself: 2 s. */
export const DEFAULT_EXIT_GRACE_MS = 2_000;
/** From the start of an exit until the process kills itself: 15 s. */
export const DEFAULT_KILL_AFTER_MS = 15_000;

/** Error codes of a stream whose reader has gone: the output is lost, not the process broken. */
const LOST_OUTPUT = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'EBADF']);

export interface ExitGuardOptions {
  /** Where the guard's own lines go (best effort: the output may be gone). */
  readonly log: Logger;
  /** @defaultValue DEFAULT_STORE_CLOSE_TIMEOUT_MS */
  readonly storeCloseTimeoutMs?: number;
  /** @defaultValue DEFAULT_KILL_AFTER_MS */
  readonly killAfterMs?: number;
}

export class ExitGuard {
  private static installed: ExitGuard | undefined;
  private exiting: Promise<never> | undefined;
  private lostOutput = false;
  private limit: NodeJS.Timeout | undefined;
  private readonly storeCloseTimeoutMs: number;
  private readonly killAfterMs: number;
  private log: Logger;

  private constructor(options: ExitGuardOptions) {
    this.log = options.log;
    this.storeCloseTimeoutMs = options.storeCloseTimeoutMs ?? DEFAULT_STORE_CLOSE_TIMEOUT_MS;
    this.killAfterMs = options.killAfterMs ?? DEFAULT_KILL_AFTER_MS;
  }

  /**
   * Installs the guard's handlers on this process (once; a second call returns the first guard):
   * `error` on stdout and stderr, `uncaughtException` and `unhandledRejection`.
   */
  static install(options: ExitGuardOptions): ExitGuard {
    if (ExitGuard.installed !== undefined) return ExitGuard.installed;
    const guard = new ExitGuard(options);
    ExitGuard.installed = guard;
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', (err: NodeJS.ErrnoException) => guard.onOutputError(err));
    }
    process.on('uncaughtException', (err) => guard.fatal('an uncaught error', err));
    process.on('unhandledRejection', (reason) => guard.fatal('an unhandled rejection', reason));
    return guard;
  }

  /** Where the guard's lines go from now on (the endpoint's link, once it is up). */
  useLog(log: Logger): void {
    this.log = log;
  }

  /** True once stdout or stderr lost its reader (the node that read them is gone). */
  get outputLost(): boolean {
    return this.lostOutput;
  }

  /**
   * Makes sure the process is gone `ms` from now: if it still runs then, it exits with `code`
   * through `exit()`. The timer does not keep the process alive; a later call replaces it.
   */
  exitWithin(ms: number, code: number, reason: string): void {
    if (this.limit !== undefined) clearTimeout(this.limit);
    this.limit = setTimeout(() => {
      this.say('error', `still running ${ms} ms after ${reason}; exiting`);
      void this.exit(code);
    }, ms);
    this.limit.unref();
  }

  /**
   * The endpoint has stopped with `code`: anything still holding the event loop open (a socket, a
   * timer in an endpoint's own code) must not keep the process, and its data folder's lock,
   * alive longer than {@link DEFAULT_EXIT_GRACE_MS}.
   */
  endpointStopped(code: number): void {
    this.exitWithin(DEFAULT_EXIT_GRACE_MS, code, 'the endpoint stopped');
  }

  /**
   * Closes the open stores (each within the store-close timeout), then exits with `code`. From its
   * first call the process kills itself if it has not exited within the kill-after limit.
   * Idempotent: later calls return the first call's promise (the first code wins).
   */
  exit(code: number): Promise<never> {
    this.exiting ??= (async (): Promise<never> => {
      const killer = setTimeout(() => process.kill(process.pid, 'SIGKILL'), this.killAfterMs);
      killer.unref();
      const failed = await closeOpenStores(this.storeCloseTimeoutMs);
      if (failed.length > 0) this.say('error', `stores not closed in time: ${failed.join(', ')}`);
      process.exit(code);
    })();
    return this.exiting;
  }

  private onOutputError(err: NodeJS.ErrnoException): void {
    if (err.code !== undefined && LOST_OUTPUT.has(err.code)) {
      this.lostOutput = true;
      return;
    }
    this.fatal('an output error', err);
  }

  private fatal(what: string, error: unknown): void {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.say('error', `${what}; closing the stores and exiting`, { error: detail });
    void this.exit(1);
  }

  private say(level: 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void {
    if (this.lostOutput) return;
    try {
      this.log[level](msg, fields);
    } catch {
      // The output broke while writing: nothing else to tell.
    }
  }
}
