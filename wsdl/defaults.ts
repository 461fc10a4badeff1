/**
 * The loader's defaults, in a leaf module: the CLI shows them in `--help` without loading the
 * loader and its XML parser.
 */

/** Default deadline for one remote fetch (only with `allowNetwork`). */
export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
