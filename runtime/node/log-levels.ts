/**
 * Which level an endpoint's life and a link's ups and downs are logged at, in one place: a crash
 * or a hang kill is an error (someone should look), a lost link a warning (it may come back by
 * itself), a recovered one info (good news, nothing to do).
 */
import type { TransportStateChange } from '../../transports/index.js';
import type { StateChange } from '../supervisor/lifecycle.js';
import type { Logger, LogLevel } from './logger.js';

/**
 * An endpoint's state change: `backoff` and `failed` follow only an unrequested end (a crash, a
 * hang kill, a failed spawn), so they are errors; every other move is info.
 */
export function endpointChangeLevel(change: Pick<StateChange, 'to'>): LogLevel {
  return change.to === 'backoff' || change.to === 'failed' ? 'error' : 'info';
}

/** Logs an endpoint's state change at its level. */
export function logEndpointChange(log: Logger, change: Omit<StateChange, 'atMs'>): void {
  log[endpointChangeLevel(change)](`${change.from} -> ${change.to}`, { reason: change.reason });
}

/**
 * A broker connection's state change: lost (`reconnecting`) is a warning, back (`reconnecting` →
 * `connected`) is info; the first connection and a requested close are not logged here.
 */
export function brokerChangeLevel(
  change: Pick<TransportStateChange, 'from' | 'to'>,
): LogLevel | undefined {
  if (change.to === 'reconnecting') return 'warn';
  if (change.from === 'reconnecting' && change.to === 'connected') return 'info';
  return undefined;
}

/** Logs a broker connection's state change at its level, when it is news. */
export function logBrokerChange(log: Logger, change: TransportStateChange): void {
  const level = brokerChangeLevel(change);
  if (level === undefined) return;
  log[level](`broker ${change.from} -> ${change.to}`, {
    url: change.url,
    ...(change.error === undefined ? {} : { error: change.error.message }),
  });
}
