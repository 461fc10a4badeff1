/** Typed errors of every transport. Check with `instanceof` or `code`, never by message text. */

export type TransportErrorCode =
  | 'TRANSPORT_CONNECT_FAILED'
  | 'TRANSPORT_AUTH_FAILED'
  | 'TRANSPORT_TIMEOUT'
  | 'TRANSPORT_ABORTED'
  | 'TRANSPORT_CLOSED'
  | 'TRANSPORT_NOT_CONNECTED'
  | 'TRANSPORT_PUBLISH_REJECTED'
  | 'TRANSPORT_CONNECTION_LOST'
  | 'TRANSPORT_BAD_URL'
  | 'TRANSPORT_BAD_DESTINATION'
  | 'TRANSPORT_NO_SCHEME';

export class TransportError extends Error {
  override readonly name: string = 'TransportError';
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    /** True when the same operation may succeed if tried again (after a reconnect, say). */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class TransportTimeoutError extends TransportError {
  override readonly name = 'TransportTimeoutError';
  constructor(operation: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('TRANSPORT_TIMEOUT', `${operation} timed out after ${timeoutMs} ms`, true, options);
  }
}

export class TransportAbortedError extends TransportError {
  override readonly name = 'TransportAbortedError';
  constructor(operation: string, options?: { cause?: unknown }) {
    super('TRANSPORT_ABORTED', `${operation} was aborted`, false, options);
  }
}

export class TransportClosedError extends TransportError {
  override readonly name = 'TransportClosedError';
  constructor(operation: string) {
    super('TRANSPORT_CLOSED', `${operation}: the transport is closed`, false);
  }
}

/** The URL or its scheme is not usable; names what is wrong. */
export class TransportUrlError extends TransportError {
  override readonly name = 'TransportUrlError';
  constructor(code: 'TRANSPORT_BAD_URL' | 'TRANSPORT_NO_SCHEME', message: string) {
    super(code, message, false);
  }
}

/** The destination does not follow `/queue/<name>` or `/topic/<name>`. */
export class DestinationError extends TransportError {
  override readonly name = 'DestinationError';
  constructor(destination: string) {
    super(
      'TRANSPORT_BAD_DESTINATION',
      `bad destination '${destination}': expected /queue/<name> or /topic/<name>, <name> made of [A-Za-z0-9_.-] segments (not only dots) separated by '/'`,
      false,
    );
  }
}
