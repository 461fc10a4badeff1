/**
 * `--timeout <ms|duration>` of the commands that may fetch a WSDL by URL (`aes gen`, `aes describe`,
 * `aes mock`, `aes endpoint create`): the deadline of each fetch, a progress line while one waits,
 * and on a timeout an error that names the URL and the flag.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_FETCH_TIMEOUT_MS } from '../wsdl/defaults.js';
import { WsdlFetchTimeoutError } from '../wsdl/errors.js';
import type { FetchListener } from '../wsdl/index.js';
import { FetchProgress } from './fetch-progress.js';

/** The longest `--timeout` taken: a day (Node's timers stop at about 24.8 days). */
export const MAX_FETCH_TIMEOUT_MS = 86_400_000;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `--timeout`'s parser: milliseconds (`1500`), or a number with a unit (`500ms`, `30s`, `2m`, `1h`). */
export function parseTimeout(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const ms = match === null ? NaN : Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] ?? 1));
  if (!(ms > 0 && ms <= MAX_FETCH_TIMEOUT_MS)) {
    throw new InvalidArgumentError(
      'expected milliseconds or a duration with a unit, more than 0 and at most 24h (e.g. 5000, 500ms, 30s, 2m)',
    );
  }
  return ms;
}

/** The flags `addTimeoutOption` declares. */
export interface TimeoutFlags {
  readonly timeout: number;
}

/** Declares `--timeout <ms|duration>` on `command`, default `DEFAULT_FETCH_TIMEOUT_MS`. */
export function addTimeoutOption(command: Command): Command {
  return command.addOption(
    new Option(
      '--timeout <ms|duration>',
      'deadline of each WSDL fetch by URL: milliseconds, or 500ms, 30s, 2m',
    )
      .argParser(parseTimeout)
      .default(DEFAULT_FETCH_TIMEOUT_MS, `${DEFAULT_FETCH_TIMEOUT_MS / 1_000}s`),
  );
}

/** A WSDL fetch that ran out of time, as the CLI reports it: the loader's error and the flag. */
export class FetchTimeoutFlagError extends Error {
  override readonly name = 'FetchTimeoutFlagError';
  /** The loader's code: the same whether the library or the CLI reports it. */
  readonly code = 'WSDL_FETCH_TIMEOUT';
  readonly exitCode = 1;
  readonly url: string;
  readonly timeoutMs: number;

  constructor(err: WsdlFetchTimeoutError) {
    super(`${err.message}; wait longer with --timeout (e.g. --timeout 2m)`, { cause: err.cause });
    this.url = err.url;
    this.timeoutMs = err.timeoutMs;
  }
}

/** What the loader is given: the deadline, and the progress line when one may be written. */
export interface FetchOptions {
  readonly timeoutMs: number;
  readonly fetchListener?: FetchListener;
}

/**
 * Runs `work` with the fetch options of `--timeout`; with `quiet` (`--json`, `--quiet`) no progress
 * line is written. A fetch's timeout becomes `FetchTimeoutFlagError`.
 */
export async function withWsdlFetch<T>(
  flags: TimeoutFlags,
  quiet: boolean,
  work: (options: FetchOptions) => Promise<T>,
): Promise<T> {
  const progress = quiet ? undefined : new FetchProgress(process.stderr);
  try {
    return await work({
      timeoutMs: flags.timeout,
      ...(progress === undefined ? {} : { fetchListener: progress }),
    });
  } catch (err) {
    throw err instanceof WsdlFetchTimeoutError ? new FetchTimeoutFlagError(err) : err;
  } finally {
    progress?.close();
  }
}
