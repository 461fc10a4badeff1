/** Typed errors of `aes dlq`. Check with `instanceof` or `code`, never by message text. */

export type DeadLetterErrorCode =
  /** No dead letter has the message id asked for. */
  | 'DLQ_NOT_FOUND'
  /** A dead letter to replay does not say where it came from. */
  | 'DLQ_NO_ORIGIN'
  /** `drop` or `replay` without a selection nor `--all`. */
  | 'DLQ_NO_SELECTION'
  /** A filter value that cannot be used (a bad duration, a bad destination). */
  | 'DLQ_BAD_FILTER'
  /** The config names no broker the command can reach. */
  | 'DLQ_NO_BROKER'
  /** RabbitMQ's management API was asked for (`--browse management`, a named URL) but cannot be used. */
  | 'DLQ_NO_MANAGEMENT';

/** Something asked of the dead letters that cannot be done; nothing was changed. */
export class DeadLetterError extends Error {
  override readonly name = 'DeadLetterError';
  constructor(
    readonly code: DeadLetterErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
