/**
 * Whether a failed put took place at the target: a SOAP fault is the target answering no; a
 * timeout or a lost connection leaves the outcome unknown (the target may have accepted it and
 * its answer been lost). The inbound endpoint checks the latter with `alreadyDelivered()` before
 * putting again.
 */

/**
 * True when `error`, or an error in its `cause` chain, is a SOAP fault: a generated client's
 * `SoapFaultError` (`code: 'SOAP_FAULT'`), or node-soap's own fault error, used directly, which
 * carries the parsed envelope with its `Body.Fault` as `root`; or a request that was never sent
 * (a generated client's `SOAP_REQUEST`: node-soap could not build it).
 */
export function isRefusal(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 8; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SOAP_FAULT' || code === 'SOAP_REQUEST' || isNodeSoapFault(e)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function isNodeSoapFault(error: unknown): boolean {
  const root = (error as { root?: { Envelope?: { Body?: { Fault?: unknown } } } }).root;
  return typeof root === 'object' && root?.Envelope?.Body?.Fault !== undefined;
}
