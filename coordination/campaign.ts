/**
 * Waiting for a lease: `acquire()` tried again, with backoff, until it succeeds or the deadline
 * passes. Built on the contract only, so it works on every backend. A campaign polls rather
 * than watches: the pause between tries is bounded by a quarter of the ttl (at most a second),
 * so a freed key is taken within that pause, which is small beside the ttl a failover waits out.
 */
import { Backoff, sleep } from '../util/index.js';
import {
  DEFAULT_LEASE_TTL_MS,
  type CampaignOptions,
  type Coordinator,
  type Lease,
} from './coordinator.js';
import { CoordinationAbortedError, CoordinationTimeoutError } from './errors.js';

/**
 * Resolves with the lease once `holder` has it; rejects with a `CoordinationTimeoutError` when
 * `timeoutMs` passes first, a `CoordinationAbortedError` when `signal` aborts, or the first error
 * that is not retryable (a closed coordinator). An unavailable engine is tried again.
 */
export async function campaign(
  coordinator: Coordinator,
  key: string,
  holder: string,
  options: CampaignOptions = {},
): Promise<Lease> {
  const operation = `campaign for '${key}'`;
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const backoff = new Backoff({
    initialMs: options.retryInitialMs ?? 100,
    maxMs: options.retryMaxMs ?? Math.min(1000, Math.max(1, Math.floor(ttlMs / 4))),
  });
  const signals = [
    options.signal,
    options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs),
  ];
  const signal = AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
  const stopped = (): Error =>
    options.signal?.aborted === true
      ? new CoordinationAbortedError(operation, options.signal.reason)
      : new CoordinationTimeoutError(operation, options.timeoutMs ?? 0);
  for (;;) {
    if (signal.aborted) throw stopped();
    try {
      // Each try has the coordinator's own deadline; the campaign's bounds them all.
      const lease = await coordinator.acquire(key, holder, {
        signal,
        ttlMs,
        ...(options.keepAlive === undefined ? {} : { keepAlive: options.keepAlive }),
      });
      if (lease !== undefined) return lease;
    } catch (err) {
      if (signal.aborted) throw stopped();
      if (!(err as { retryable?: unknown }).retryable) throw err;
    }
    try {
      await sleep(backoff.next(), signal);
    } catch {
      throw stopped();
    }
  }
}
