/**
 * Validation of numeric transport options given in code or as URL parameters, and the deadline
 * of a call from its `{ timeoutMs, signal }` and the transport's default.
 */
import type { DeadlineErrors, DeadlineOptions } from '../../util/index.js';
import type { WaitOptions } from '../transport.js';
import {
  TransportAbortedError,
  TransportOptionError,
  TransportTimeoutError,
  TransportUrlError,
} from '../errors.js';
import { redactUrl } from '../redact-url.js';

/** Reads a whole-number millisecond option from a URL parameter, else the given value. */
export function numberParam(
  params: ReadonlyMap<string, string>,
  name: string,
  fallback: number,
  min = 0,
): number {
  const raw = params.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new TransportOptionError(name, `must be a whole number >= ${min}, got '${raw}'`);
  }
  return value;
}

/** Checks a numeric option given in code; returns it, or `fallback` when absent. */
export function checkedNumber(
  name: string,
  value: number | undefined,
  fallback: number,
  min = 0,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new TransportOptionError(name, `must be a whole number >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** First reconnect delay of the network transports (`reconnectInitialMs`). */
export const DEFAULT_RECONNECT_INITIAL_MS = 100;
/** Ceiling of the reconnect delay (`reconnectMaxMs`). */
export const DEFAULT_RECONNECT_MAX_MS = 10_000;

/** The options every network transport shares, resolved. */
export interface CommonSettings {
  readonly connectTimeoutMs: number;
  readonly publishTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  readonly redeliveryDelayMs: number;
}

/**
 * Resolves the shared options: a URL parameter wins over the option given in code, which wins
 * over the transport's default. Throws `TransportOptionError` naming a bad field.
 */
export function commonSettings(
  params: ReadonlyMap<string, string>,
  options: Partial<CommonSettings>,
  defaults: CommonSettings,
): CommonSettings {
  const resolve = (name: keyof CommonSettings, min: number) =>
    numberParam(params, name, checkedNumber(name, options[name], defaults[name], min), min);
  return {
    connectTimeoutMs: resolve('connectTimeoutMs', 1),
    publishTimeoutMs: resolve('publishTimeoutMs', 1),
    heartbeatMs: resolve('heartbeatMs', 0),
    reconnectInitialMs: resolve('reconnectInitialMs', 1),
    reconnectMaxMs: resolve('reconnectMaxMs', 1),
    redeliveryDelayMs: resolve('redeliveryDelayMs', 0),
  };
}

/** The URL's user name and password, percent-decoded; a bad escape is a `TransportUrlError`. */
export function credentials(url: URL): { user: string | undefined; password: string | undefined } {
  const decode = (raw: string, what: string) => {
    if (raw === '') return undefined;
    try {
      return decodeURIComponent(raw);
    } catch {
      throw new TransportUrlError(
        'TRANSPORT_BAD_URL',
        `bad percent-escape in the ${what} of '${redactUrl(url)}'`,
      );
    }
  };
  return { user: decode(url.username, 'user name'), password: decode(url.password, 'password') };
}

/** What every broker URL parser starts with: scheme, host, credentials and known parameters. */
export interface BrokerUrlParts {
  readonly scheme: string;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly params: ReadonlyMap<string, string>;
}

/**
 * Checks `url` against `schemes` (else "not <protocol> URL"), requires a host, decodes the
 * credentials and refuses query parameters outside `knownParams`, listing the known ones.
 * `protocol` is the article and name as read in messages, e.g. `a STOMP`, `an MQTT`.
 */
export function parseBrokerUrl(
  url: URL,
  schemes: readonly string[],
  protocol: string,
  knownParams: ReadonlySet<string>,
): BrokerUrlParts {
  const scheme = url.protocol.replace(/:$/, '');
  if (!schemes.includes(scheme)) {
    throw new TransportUrlError('TRANSPORT_BAD_URL', `not ${protocol} URL: '${redactUrl(url)}'`);
  }
  if (url.hostname === '') {
    throw new TransportUrlError('TRANSPORT_BAD_URL', `no host in '${redactUrl(url)}'`);
  }
  const { user, password } = credentials(url);
  const params = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    if (!knownParams.has(key)) {
      throw new TransportOptionError(
        key,
        `is not ${protocol} URL parameter (known: ${[...knownParams].join(', ')}) in '${redactUrl(url)}'`,
      );
    }
    params.set(key, value);
  }
  return { scheme, user, password, params };
}

/** A transport's waits reject with `TransportTimeoutError` and `TransportAbortedError`. */
const TRANSPORT_DEADLINE_ERRORS: DeadlineErrors = {
  timeout: (operation, timeoutMs) => new TransportTimeoutError(operation, timeoutMs),
  aborted: (operation, reason) => new TransportAbortedError(operation, { cause: reason }),
};

/**
 * The deadline of a transport call (`withDeadline` in util/deadline.ts): the call's own
 * `timeoutMs`, else `defaultMs`, and its `signal`.
 */
export function transportDeadline(
  operation: string,
  options: WaitOptions | undefined,
  defaultMs: number,
): DeadlineOptions {
  return {
    operation,
    timeoutMs: options?.timeoutMs ?? defaultMs,
    signal: options?.signal,
    errors: TRANSPORT_DEADLINE_ERRORS,
  };
}
