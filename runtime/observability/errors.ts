/** Typed errors of runtime/observability. Check with `instanceof` or `code`. */

/** A metrics report from an endpoint process is malformed; `path` names the bad field. */
export class MetricsReportError extends Error {
  override readonly name = 'MetricsReportError';
  readonly code = 'OBSERVE_BAD_REPORT';
  readonly retryable = false;
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`metrics report: ${path}: ${message}`);
  }
}
