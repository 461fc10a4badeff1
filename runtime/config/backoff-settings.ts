/**
 * Backoff settings of the node config (`restartBackoff`, `idlePoll`): a first delay and a ceiling.
 * The schema checks each number; what it cannot see is the pair once merged, since a file may set
 * one bound and take the other from `endpoints.defaults` or the built-in default. A pair the
 * endpoint would refuse at start (`maxMs` below `initialMs`) is reported here instead, at the
 * field that was written.
 */
import type { ConfigIssue } from '../errors.js';

/** A backoff as the config gives it: `initialMs`, doubling (with jitter) up to `maxMs`. */
export interface BackoffSettings {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * The problem with `input` (one settings object's backoff field, at `pointer`) merged over
 * `base` (what it would otherwise be, taken from `origin`, e.g. `the default`), if any.
 */
export function backoffIssue(
  pointer: string,
  input: Partial<BackoffSettings> | undefined,
  base: BackoffSettings,
  origin: string,
): ConfigIssue | undefined {
  if (input === undefined) return undefined;
  const initialMs = input.initialMs ?? base.initialMs;
  const maxMs = input.maxMs ?? base.maxMs;
  if (maxMs >= initialMs) return undefined;
  if (input.maxMs !== undefined) {
    const from = input.initialMs === undefined ? `, ${origin}` : '';
    return {
      pointer: `${pointer}/maxMs`,
      message: `must be >= initialMs (${initialMs}${from}), got ${maxMs}`,
    };
  }
  return {
    pointer: `${pointer}/initialMs`,
    message: `must be <= maxMs (${maxMs}, ${origin}), got ${initialMs}: set maxMs as well`,
  };
}
