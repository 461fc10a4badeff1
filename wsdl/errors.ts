/** Typed errors of the code generator: each names the file, and where known the line and construct. */

export type CodegenErrorCode =
  | 'WSDL_XML'
  | 'WSDL_NOT_FOUND'
  | 'WSDL_REMOTE_IMPORT'
  | 'WSDL_FETCH'
  | 'WSDL_FETCH_TIMEOUT'
  | 'WSDL_UNKNOWN_REF'
  | 'WSDL_INVALID'
  | 'WSDL_NO_SERVICE'
  | 'WSDL_UNSUPPORTED'
  | 'GEN_OUTPUT'
  | 'GEN_USAGE';

/** Where in a source document a problem sits. */
export interface SourceLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

export function formatLocation(loc: SourceLocation): string {
  if (loc.line === undefined) return loc.file;
  return `${loc.file}:${loc.line}${loc.column === undefined ? '' : `:${loc.column}`}`;
}

/** An error in a WSDL/XSD document or in the generation step. `exitCode` is what the CLI returns. */
export class CodegenError extends Error {
  override readonly name = 'CodegenError';
  readonly code: CodegenErrorCode;
  readonly location: SourceLocation | undefined;
  /** 2 for a usage mistake (`GEN_USAGE`), 1 otherwise. */
  readonly exitCode: number;

  constructor(
    code: CodegenErrorCode,
    message: string,
    options: { location?: SourceLocation; cause?: unknown } = {},
  ) {
    super(
      options.location === undefined ? message : `${formatLocation(options.location)}: ${message}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.exitCode = code === 'GEN_USAGE' ? 2 : 1;
    this.location = options.location;
  }
}

/** `ms` as people read a deadline: `500 ms`, `30 s`, `1.5 s`. */
function formatDeadline(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Number((ms / 1_000).toFixed(1))} s`;
}

/**
 * A remote document that did not arrive within the fetch deadline (`LoadOptions.timeoutMs`):
 * `WSDL_FETCH_TIMEOUT`, naming the URL and the deadline.
 */
export class WsdlFetchTimeoutError extends CodegenError {
  constructor(
    /** The document that did not arrive. */
    readonly url: string,
    /** The deadline it missed. */
    readonly timeoutMs: number,
    options: { location?: SourceLocation; cause?: unknown } = {},
  ) {
    super(
      'WSDL_FETCH_TIMEOUT',
      `no answer from '${url}' within ${formatDeadline(timeoutMs)}`,
      options,
    );
  }
}
