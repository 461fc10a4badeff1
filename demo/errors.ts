/** Typed errors of `aes demo`. Check with `instanceof` or `code`, never by message text. */

export type DemoErrorCode =
  /** An option is out of range (names the option). */
  | 'DEMO_OPTIONS'
  /** Nothing moved for longer than the stall timeout: the summary so far is in the message. */
  | 'DEMO_STALLED'
  /** A part of the demo (a system, a node) could not start. */
  | 'DEMO_START';

export class DemoError extends Error {
  override readonly name = 'DemoError';
  readonly code: DemoErrorCode;
  /** 2 for a usage mistake, 1 otherwise. */
  readonly exitCode: number;

  constructor(code: DemoErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = code === 'DEMO_OPTIONS' ? 2 : 1;
  }
}
