/**
 * Whether a failed put took place at the target: a SOAP fault is the target answering no; a
 * timeout or a lost connection leaves the outcome unknown (the target may have accepted it and
 * its answer been lost). The inbound endpoint checks the latter with `alreadyDelivered()` before
 * putting again.
 */

/** True when `error`, or an error in its `cause` chain, is a SOAP fault (`code: 'SOAP_FAULT'`). */
export function isRefusal(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 8; depth += 1) {
    if ((e as { code?: unknown }).code === 'SOAP_FAULT') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
