/** Typed errors of every coordinator. Check with `instanceof` or `code`, never by message text. */
import { CodedError, type DeadlineErrors } from '../util/index.js';
import type { FencingToken, LeaseEndReason } from './coordinator.js';

export type CoordinationErrorCode =
  /** The URL (or an option) cannot be used; names what is wrong. */
  | 'COORDINATION_BAD_URL'
  /** No backend for the URL's scheme. */
  | 'COORDINATION_UNKNOWN_SCHEME'
  /** The engine refused the call or could not be reached. */
  | 'COORDINATION_UNAVAILABLE'
  | 'COORDINATION_TIMEOUT'
  | 'COORDINATION_ABORTED'
  | 'COORDINATION_CLOSED'
  /** A fenced write carried a token that is not the key's current lease. */
  | 'COORDINATION_STALE_TOKEN'
  /** The lease has ended (its signal's reason, and `renew()` after the end). */
  | 'COORDINATION_LEASE_LOST'
  /** What the engine holds under a key is not what aes writes there. */
  | 'COORDINATION_MALFORMED';

export class CoordinationError extends CodedError<CoordinationErrorCode> {
  override readonly name: string = 'CoordinationError';
  constructor(
    code: CoordinationErrorCode,
    message: string,
    /** True when the same call may succeed if tried again. */
    readonly retryable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(code, 'COORDINATION_BAD_URL', message, options);
  }
}

/** The URL cannot be used, or names a scheme no backend speaks. */
export class CoordinationUrlError extends CoordinationError {
  override readonly name = 'CoordinationUrlError';
  constructor(
    code: 'COORDINATION_BAD_URL' | 'COORDINATION_UNKNOWN_SCHEME',
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(code, message, false, options);
  }
}

export class CoordinationUnavailableError extends CoordinationError {
  override readonly name = 'CoordinationUnavailableError';
  constructor(url: string, operation: string, options: { cause?: unknown } = {}) {
    const detail = options.cause instanceof Error ? `: ${options.cause.message}` : '';
    super('COORDINATION_UNAVAILABLE', `${url}: ${operation} failed${detail}`, true, options);
  }
}

export class CoordinationTimeoutError extends CoordinationError {
  override readonly name = 'CoordinationTimeoutError';
  constructor(operation: string, timeoutMs: number) {
    super('COORDINATION_TIMEOUT', `${operation} timed out after ${timeoutMs} ms`, true);
  }
}

export class CoordinationAbortedError extends CoordinationError {
  override readonly name = 'CoordinationAbortedError';
  constructor(operation: string, reason: unknown) {
    super('COORDINATION_ABORTED', `${operation} was aborted`, false, { cause: reason });
  }
}

export class CoordinationClosedError extends CoordinationError {
  override readonly name = 'CoordinationClosedError';
  constructor(operation: string) {
    super('COORDINATION_CLOSED', `${operation}: the coordinator is closed`, false);
  }
}

/** The write was refused: `token` is not the key's current lease (`current`, if any). */
export class StaleTokenError extends CoordinationError {
  override readonly name = 'StaleTokenError';
  constructor(
    readonly key: string,
    readonly token: FencingToken,
    readonly current: FencingToken | undefined,
  ) {
    super(
      'COORDINATION_STALE_TOKEN',
      `fenced write to '${key}' refused: token ${token} is not its current lease (` +
        (current === undefined ? 'no lease is current)' : `the current token is ${current})`),
      false,
    );
  }
}

/** The lease on `key` with `token` has ended, for `reason`. */
export class LeaseLostError extends CoordinationError {
  override readonly name = 'LeaseLostError';
  constructor(
    readonly key: string,
    readonly token: FencingToken,
    readonly reason: LeaseEndReason,
    options: { cause?: unknown } = {},
  ) {
    const why = {
      released: 'it was released',
      lost: 'the engine no longer has it',
      expired: 'its local deadline passed without a renewal',
    }[reason];
    super(
      'COORDINATION_LEASE_LOST',
      `lease on '${key}' (token ${token}) ended: ${why}`,
      false,
      options,
    );
  }
}

/** What the engine holds under a key is not what aes writes there (names the key and what is wrong). */
export class CoordinationMalformedError extends CoordinationError {
  override readonly name = 'CoordinationMalformedError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super('COORDINATION_MALFORMED', message, false);
  }
}

/** The errors `withDeadline` rejects with in this folder. */
export const COORDINATION_DEADLINE_ERRORS: DeadlineErrors = {
  timeout: (operation, timeoutMs) => new CoordinationTimeoutError(operation, timeoutMs),
  aborted: (operation, reason) => new CoordinationAbortedError(operation, reason),
};
