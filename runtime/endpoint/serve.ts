/**
 * Runs an endpoint as the main work of its process: start it, drain it on SIGTERM or SIGINT (a
 * second signal aborts the drain), and tell the caller which exit code to use.
 */
import type { Endpoint } from './endpoint.js';
import { DEFAULT_DRAIN_TIMEOUT_MS } from './endpoint.js';

export interface ServeEndpointOptions {
  /** @defaultValue DEFAULT_DRAIN_TIMEOUT_MS */
  readonly drainTimeoutMs?: number;
  /** Signals that start a graceful stop. @defaultValue ['SIGTERM', 'SIGINT'] */
  readonly signals?: readonly NodeJS.Signals[];
  /** Where signals are listened for. @defaultValue process */
  readonly signalSource?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  /** Told about a failed start or a fatal error. @defaultValue a line on stderr */
  readonly onError?: (error: unknown) => void;
}

/**
 * Starts `endpoint` and resolves when it has stopped: `0` after a stop by signal (graceful, or
 * forced by a second signal), `1` when it could not start or failed.
 */
export async function serveEndpoint(
  endpoint: Endpoint,
  options: ServeEndpointOptions = {},
): Promise<number> {
  const source = options.signalSource ?? process;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const report =
    options.onError ??
    ((error: unknown) =>
      process.stderr.write(
        `aes: endpoint ${endpoint.name} failed: ${error instanceof Error ? error.message : String(error)}\n`,
      ));
  let received = 0;
  const onSignal = () => {
    received += 1;
    if (received === 1) {
      void endpoint.stop({ timeoutMs: options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS });
    } else {
      void endpoint.abort();
    }
  };
  for (const signal of signals) source.on(signal, onSignal);
  try {
    await endpoint.start();
    await endpoint.done;
    return 0;
  } catch (err) {
    report(err);
    return 1;
  } finally {
    for (const signal of signals) source.off(signal, onSignal);
  }
}
