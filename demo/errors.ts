/** Typed errors of `aes demo`. Check with `instanceof` or `code`, never by message text. */
import { CodedError } from '../util/index.js';

export type DemoErrorCode =
  /** An option is out of range (names the option). */
  | 'DEMO_OPTIONS'
  /** Nothing moved for longer than the stall timeout: the summary so far is in the message. */
  | 'DEMO_STALLED'
  /** A part of the demo (a system, a node) could not start. */
  | 'DEMO_START';

export class DemoError extends CodedError<DemoErrorCode> {
  override readonly name = 'DemoError';

  constructor(code: DemoErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, 'DEMO_OPTIONS', message, options);
  }
}
