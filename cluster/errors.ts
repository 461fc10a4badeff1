/**
 * Named errors of the cluster protocol. Errors that cross the wire carry a stable `code` (see
 * `ERROR_CODES` and docs/protocol.md) and whether retrying may help.
 */
import type { DeadlineErrors } from '../util/index.js';

/** Every error code the protocol sends or raises; stable, documented in docs/protocol.md. */
export const ERROR_CODES = [
  'BAD_FRAME',
  'FRAME_TOO_LARGE',
  'BAD_MESSAGE',
  'UNSUPPORTED_VERSION',
  'HANDSHAKE_TIMEOUT',
  'AUTH_FAILED',
  'NAME_TAKEN',
  'DUPLICATE_LINK',
  'BUSY',
  'NOT_PUBLISHED',
  'FORBIDDEN',
  'HANDLER_ERROR',
  'UNEXPECTED_REPLY',
  'CALL_FORGOTTEN',
  'TIMEOUT',
  'ABORTED',
  'NO_ROUTE',
  'QUEUE_FULL',
  'CHANNEL_CLOSED',
  'SHUTDOWN',
  'BAD_SPECIFIER',
  'BAD_OPTIONS',
  'BAD_ADDRESS',
] as const;

export type ClusterErrorCode = (typeof ERROR_CODES)[number];

const CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES);

/** True when `value` is one of the protocol's error codes. */
export function isClusterErrorCode(value: unknown): value is ClusterErrorCode {
  return typeof value === 'string' && CODE_SET.has(value);
}

const RETRYABLE: ReadonlySet<ClusterErrorCode> = new Set([
  'TIMEOUT',
  'NO_ROUTE',
  'QUEUE_FULL',
  'CHANNEL_CLOSED',
  'BUSY',
  'NAME_TAKEN',
  'HANDSHAKE_TIMEOUT',
]);

/** Base class of every cluster error. */
export class ClusterError extends Error {
  override readonly name: string = 'ClusterError';
  readonly code: ClusterErrorCode;
  readonly retryable: boolean;

  constructor(code: ClusterErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.retryable = RETRYABLE.has(code);
  }
}

/** The peer broke the wire format: bad frame, bad message, over-long frame. */
export class ProtocolError extends ClusterError {
  override readonly name = 'ProtocolError';
}

/** Authentication or handshake failed (wrong secret, unsupported version, name taken). */
export class HandshakeError extends ClusterError {
  override readonly name = 'HandshakeError';
}

/**
 * A dial reached this kernel itself (NAME_TAKEN from its own listener: the same incarnation
 * answered), e.g. a seed list shared by every node. Membership never dials that address again.
 */
export class SelfDialError extends ClusterError {
  override readonly name = 'SelfDialError';
  constructor(address: string, kernel: string) {
    super('NAME_TAKEN', `${address} is kernel '${kernel}' itself`);
  }
}

/** The remote side answered a call with an error, or refused a post. */
export class RemoteError extends ClusterError {
  override readonly name = 'RemoteError';
  /** The kernel that reported the error. */
  readonly kernel: string;
  constructor(kernel: string, code: ClusterErrorCode, message: string) {
    super(code, `${kernel}: ${message}`);
    this.kernel = kernel;
  }
}

/** A call or connect gave up: deadline passed, signal aborted, channel closed, no route. */
export class CallError extends ClusterError {
  override readonly name = 'CallError';
}

/** The kernel's waits (`connect`, `waitWritable`) reject with `CallError` TIMEOUT / ABORTED. */
export const CALL_DEADLINE_ERRORS: DeadlineErrors = {
  timeout: (operation, timeoutMs) =>
    new CallError('TIMEOUT', `${operation}: no answer within ${timeoutMs} ms`),
  aborted: (operation, reason) =>
    new CallError('ABORTED', `${operation}: aborted`, { cause: reason }),
};

/** The outbound queue to a kernel is full; wait for `waitWritable()` and try again. */
export class QueueFullError extends ClusterError {
  override readonly name = 'QueueFullError';
  constructor(kernel: string, queuedBytes: number, limitBytes: number) {
    super(
      'QUEUE_FULL',
      `outbound queue to '${kernel}' is full (${queuedBytes} bytes queued, limit ${limitBytes})`,
    );
  }
}

/** Bad arguments given to the local API: options, specifiers, addresses. */
export class UsageError extends ClusterError {
  override readonly name = 'UsageError';
}
