/** Errors a generated SOAP client throws. */

/** A SOAP fault, 1.1 (`faultcode`/`faultstring`/`detail`) or 1.2 (`Code`/`Reason`/`Detail`), normalised. */
export interface SoapFault<Detail = unknown> {
  /** `faultcode` (1.1) or `Code/Value` (1.2), e.g. `soap:Server`. */
  readonly code: string;
  /** `faultstring` (1.1) or `Reason/Text` (1.2). */
  readonly reason: string;
  /** `detail` / `Detail` as node-soap parsed it: the typed fault element(s) of the operation. */
  readonly detail: Detail | undefined;
  /** The fault object exactly as node-soap parsed it. */
  readonly raw: unknown;
}

/** The service answered with a SOAP fault. Not retryable: the same request faults again. */
export class SoapFaultError<Detail = unknown> extends Error {
  override readonly name = 'SoapFaultError';
  readonly code = 'SOAP_FAULT';
  readonly retryable = false;
  readonly operation: string;
  readonly fault: SoapFault<Detail>;
  readonly statusCode: number | undefined;

  constructor(
    operation: string,
    fault: SoapFault<Detail>,
    statusCode: number | undefined,
    cause?: unknown,
  ) {
    super(
      `${operation}: SOAP fault ${fault.code}: ${fault.reason}`,
      cause === undefined ? undefined : { cause },
    );
    this.operation = operation;
    this.fault = fault;
    this.statusCode = statusCode;
  }
}

export type SoapCallErrorCode =
  | 'SOAP_TIMEOUT'
  | 'SOAP_ABORTED'
  | 'SOAP_TRANSPORT'
  | 'SOAP_WSDL'
  /** node-soap could not build the request from the input (nothing was sent). */
  | 'SOAP_REQUEST';

/** The call failed without a SOAP fault: timeout, abort, transport, WSDL or request trouble. */
export class SoapCallError extends Error {
  override readonly name = 'SoapCallError';
  readonly code: SoapCallErrorCode;
  readonly retryable: boolean;

  constructor(code: SoapCallErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.retryable = code === 'SOAP_TIMEOUT' || code === 'SOAP_TRANSPORT';
  }
}

function field(obj: unknown, ...names: string[]): unknown {
  let cur = obj;
  for (const n of names) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[n];
  }
  return cur;
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const value = field(v, '$value');
  return typeof value === 'string' ? value : v === undefined ? '' : JSON.stringify(v);
}

/** Reads the fault out of a node-soap error, if it carries one. */
export function faultOf(
  err: unknown,
): { fault: SoapFault; statusCode: number | undefined } | undefined {
  const raw = field(err, 'root', 'Envelope', 'Body', 'Fault');
  if (typeof raw !== 'object' || raw === null) return undefined;
  const status = field(err, 'response', 'status');
  const statusCode = typeof status === 'number' ? status : undefined;
  if ('faultcode' in raw || 'faultstring' in raw) {
    return {
      fault: {
        code: text(field(raw, 'faultcode')),
        reason: text(field(raw, 'faultstring')),
        detail: field(raw, 'detail'),
        raw,
      },
      statusCode,
    };
  }
  return {
    fault: {
      code: text(field(raw, 'Code', 'Value')),
      reason: text(field(raw, 'Reason', 'Text')),
      detail: field(raw, 'Detail'),
      raw,
    },
    statusCode,
  };
}
