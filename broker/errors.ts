/** Typed errors of the embedded broker. Check them by class or by `code`, never by message text. */

export type BrokerErrorCode =
  | 'BROKER_OPTIONS'
  | 'BROKER_LISTEN'
  | 'BROKER_STORE'
  | 'BROKER_CLOSED'
  | 'FRAME_MALFORMED'
  | 'FRAME_TOO_LARGE'
  | 'FRAME_TOO_MANY_HEADERS'
  | 'FRAME_HEADERS_TOO_LARGE'
  | 'STOMP_PROTOCOL'
  | 'STOMP_AUTH'
  | 'STOMP_VERSION'
  | 'STOMP_SLOW_CONSUMER'
  | 'STOMP_HEARTBEAT_TIMEOUT'
  | 'STOMP_CONNECT_TIMEOUT';

/** Base class of every error the broker raises. */
export class BrokerError extends Error {
  override readonly name: string = 'BrokerError';
  readonly code: BrokerErrorCode;
  /** Whether retrying the same operation later may succeed. */
  readonly retryable: boolean;
  /** Process exit code the CLI uses when this error ends `aes broker`. */
  readonly exitCode: number;

  constructor(
    code: BrokerErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean; exitCode?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A peer sent bytes that are not a well-formed STOMP frame, or a frame over a limit. */
export class FrameError extends BrokerError {
  override readonly name = 'FrameError';
}

/** A well-formed frame that breaks the protocol (unknown command, missing header, bad ack id). */
export class StompProtocolError extends BrokerError {
  override readonly name = 'StompProtocolError';
  constructor(message: string, code: BrokerErrorCode = 'STOMP_PROTOCOL') {
    super(code, message);
  }
}

/** Invalid broker options: names the field and what is wrong with it. */
export class BrokerOptionsError extends BrokerError {
  override readonly name = 'BrokerOptionsError';
  constructor(field: string, problem: string) {
    super('BROKER_OPTIONS', `broker option '${field}' ${problem}`, { exitCode: 2 });
  }
}

/** The message store failed (disk full, permissions, corruption). */
export class BrokerStoreError extends BrokerError {
  override readonly name = 'BrokerStoreError';
  constructor(message: string, cause: unknown) {
    super('BROKER_STORE', message, { cause, retryable: true });
  }
}
