/** CONNECT-time checks (version negotiation, credentials) and small header helpers. */
import { timingSafeEqual } from 'node:crypto';
import { BrokerError, StompProtocolError } from './errors.js';
import { SUPPORTED_VERSIONS, type StompFrame, type StompVersion } from './frame.js';

/** The highest version both sides speak; no `accept-version` means 1.0 (STOMP 1.1 "Protocol Negotiation"). */
export function negotiateVersion(header: string | undefined): StompVersion {
  if (header === undefined) return '1.0';
  const offered = header.split(',').map((v) => v.trim());
  for (let i = SUPPORTED_VERSIONS.length - 1; i >= 0; i -= 1) {
    const v = SUPPORTED_VERSIONS[i];
    if (v !== undefined && offered.includes(v)) return v;
  }
  throw new BrokerError(
    'STOMP_VERSION',
    `no supported protocol version in accept-version '${firstLine(header)}' (supported: ${SUPPORTED_VERSIONS.join(', ')})`,
  );
}

/**
 * Checks `login`/`passcode` against the configured users (none configured: anyone may connect).
 * The passcode comparison takes the same time whatever the mismatch.
 */
export function authenticate(
  users: Readonly<Record<string, string>> | undefined,
  login: string | undefined,
  passcode: string | undefined,
): void {
  if (users === undefined) return;
  const name = login ?? '';
  const expected = Object.hasOwn(users, name) ? users[name] : undefined;
  if (expected === undefined || !sameSecret(expected, passcode ?? '')) {
    throw new BrokerError('STOMP_AUTH', `bad credentials for login '${firstLine(name)}'`);
  }
}

/** A header the command requires, non-empty. */
export function requireHeader(frame: StompFrame, name: string): string {
  const value = frame.headers.get(name);
  if (value === undefined || value.length === 0) {
    throw new StompProtocolError(`${frame.command} frame is missing the required '${name}' header`);
  }
  return value;
}

/** The first line of `text`, cut to 120 characters: safe to quote in a one-line message. */
export function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}

function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
