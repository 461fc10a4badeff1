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

/** The broker refused the credentials (STOMP ERROR to CONNECT, MQTT CONNACK 4/5, 134/135). */
export class TransportAuthError extends TransportError {
  override readonly name = 'TransportAuthError';
  constructor(url: string, detail: string, options?: { cause?: unknown }) {
    super(
      'TRANSPORT_AUTH_FAILED',
      `${url}: the broker refused the login: ${detail}`,
      false,
      options,
    );
  }
}

/** No broker of the URL list could be reached, or the handshake failed. */
export class TransportConnectError extends TransportError {
  override readonly name = 'TransportConnectError';
  /** `retryable: false` for configuration faults such as an untrusted TLS certificate. */
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super('TRANSPORT_CONNECT_FAILED', message, options?.retryable ?? true, options);
  }
}

/**
 * Node's codes for a TLS handshake refused over a certificate — the broker's, which we do not
 * trust, or ours, which the broker does not accept: retrying will not help.
 */
const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  // The broker refused our client certificate (mutual TLS): missing, or not signed by its CA.
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
]);

/** True when `error` (or its cause) says a TLS certificate was refused, on either side. */
export function isTlsTrustError(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_TRUST_CODES.has(code)) return true;
  }
  return false;
}

/**
 * The connection ended while the operation waited. A publish that fails this way may or may not
 * have been stored: publish it again (the consumer drops duplicates by `aes-message-id`).
 */
export class ConnectionLostError extends TransportError {
  override readonly name = 'ConnectionLostError';
  constructor(operation: string, options?: { cause?: unknown }) {
    super(
      'TRANSPORT_CONNECTION_LOST',
      `${operation}: the broker connection was lost`,
      true,
      options,
    );
  }
}

/** The broker answered a publish with an error (STOMP ERROR, MQTT PUBACK reason code >= 128). */
export class PublishRejectedError extends TransportError {
  override readonly name = 'PublishRejectedError';
  constructor(destination: string, detail: string, options?: { cause?: unknown }) {
    super(
      'TRANSPORT_PUBLISH_REJECTED',
      `publish to ${destination} rejected: ${detail}`,
      false,
      options,
    );
  }
}

/** An operation needs a connection and `connect()` was not called (or has not succeeded). */
export class NotConnectedError extends TransportError {
  override readonly name = 'NotConnectedError';
  constructor(operation: string) {
    super('TRANSPORT_NOT_CONNECTED', `${operation}: call connect() first`, false);
  }
}

/** A transport option or URL parameter is invalid; names the field. */
export class TransportOptionError extends TransportError {
  override readonly name = 'TransportOptionError';
  constructor(field: string, problem: string) {
    super('TRANSPORT_BAD_URL', `transport option '${field}' ${problem}`, false);
  }
}
