/**
 * Where a kernel's errors go, from its links, its dispatcher and its subscriptions alike:
 * counted by code (for `stats()`), traced (`NODE_DEBUG=aes-cluster`), and emitted to monitors
 * as `error` events.
 */
import { debuglog } from 'node:util';
import type { ErrorReport } from './dispatch.js';
import type { ClusterErrorCode } from './errors.js';
import type { MonitorRegistry } from './monitor.js';

const trace = debuglog('aes-cluster');

export class ErrorReporter {
  readonly #counts: Partial<Record<ClusterErrorCode, number>> = {};
  readonly #monitors: MonitorRegistry;

  constructor(monitors: MonitorRegistry) {
    this.#monitors = monitors;
  }

  /** Errors reported so far, by code (a copy). */
  counts(): Partial<Record<ClusterErrorCode, number>> {
    return { ...this.#counts };
  }

  report(e: ErrorReport): void {
    const code = e.error.code;
    this.#counts[code] = (this.#counts[code] ?? 0) + 1;
    const kernel = e.kernel ?? e.link?.peer?.name;
    trace(
      '%s error (%s, %s) %s: %s',
      e.side,
      e.op,
      code,
      kernel ?? e.link?.remoteAddress ?? '-',
      e.error.message,
    );
    this.#monitors.emit('error', kernel, {
      kernel,
      side: e.side,
      op: e.op,
      code,
      message: e.error.message,
      ref: e.ref,
      address: e.link?.remoteAddress ?? '',
      error: e.error,
    });
  }
}
