/**
 * The runtime's check of a backoff option (`retry`, `idlePoll`, `nackDelay`, `restartBackoff`):
 * the package's one check (`util/backoff.ts`), reported as an `OptionError` that names the
 * option's field as the runtime's users know it, e.g. `retry.maxMs`.
 */
import { checkBackoffOptions, type BackoffOptions } from '../util/index.js';
import { OptionError } from './errors.js';

/** Throws an `OptionError` naming `field` when the bounds are not usable. */
export function checkBackoff(options: BackoffOptions, field: string): void {
  const problem = checkBackoffOptions(options);
  if (problem !== undefined) throw new OptionError(`${field}.${problem.field}`, problem.message);
}
