/** Validation of numeric transport options given in code or as URL parameters. */
import { TransportOptionError } from '../errors.js';

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
