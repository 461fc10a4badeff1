/** Typed errors of `aes create` and `aes endpoint create`. */
import { CodedError } from '../util/index.js';

export type ScaffoldErrorCode =
  /** A missing or malformed answer (flag or prompt): names the flag. */
  | 'SCAFFOLD_USAGE'
  /** The target folder is not empty (`aes create` without `--force`). */
  | 'SCAFFOLD_NOT_EMPTY'
  /** The endpoint exists already (`aes endpoint create` without `--force`). */
  | 'SCAFFOLD_EXISTS'
  /** The folder is not an aes project (no readable aes.config.json). */
  | 'SCAFFOLD_PROJECT'
  /** An operation the WSDL does not have, or one whose messages cannot be mapped. */
  | 'SCAFFOLD_OPERATION'
  /**
   * No clear evidence where a record's id or payload sits, and no flag saying it: names the flag
   * and the first candidates (paths with their types). Nothing was written.
   */
  | 'SCAFFOLD_AMBIGUOUS'
  /**
   * A sample given with `--sample` that cannot serve: not a SOAP envelope of the operation's
   * message, malformed XML, or (inbound) not holding the document given with `--sample-payload`.
   */
  | 'SCAFFOLD_SAMPLE'
  /** Writing the files failed (nothing was left half-written). */
  | 'SCAFFOLD_WRITE';

export class ScaffoldError extends CodedError<ScaffoldErrorCode> {
  override readonly name = 'ScaffoldError';

  constructor(code: ScaffoldErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, 'SCAFFOLD_USAGE', message, options);
  }
}
