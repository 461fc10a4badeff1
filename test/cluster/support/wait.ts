import { pollUntil } from '../../support/wait.js';

/** Polls until `pred` holds or the deadline passes (then fails naming `what`). */
export function waitUntil(what: string, pred: () => boolean, timeoutMs = 5_000): Promise<void> {
  return pollUntil(what, pred, timeoutMs);
}
