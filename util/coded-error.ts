/**
 * An error with a code for programs and an exit status for the CLI: 2 for a usage mistake, 1
 * otherwise. The base of the command-facing errors of `aes mock`, `aes create` /
 * `aes endpoint create` and `aes demo`.
 */
export abstract class CodedError<Code extends string> extends Error {
  readonly code: Code;
  /** 2 for a usage mistake, 1 otherwise. */
  readonly exitCode: number;

  protected constructor(
    code: Code,
    usageCode: Code,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = code === usageCode ? 2 : 1;
  }
}
