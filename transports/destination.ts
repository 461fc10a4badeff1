/** Parsing and checking of `/queue/<name>` and `/topic/<name>` destinations. */
import type { Destination } from './transport.js';
import { DestinationError } from './errors.js';

const DESTINATION = /^\/(queue|topic)\/([A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*)$/;

export interface ParsedDestination {
  readonly kind: 'queue' | 'topic';
  readonly name: string;
}

export function parseDestination(destination: string): ParsedDestination {
  const match = DESTINATION.exec(destination);
  if (match === null) throw new DestinationError(destination);
  // '.' and '..' segments would read as paths on some brokers.
  if (match[2]?.split('/').some((segment) => /^\.+$/.test(segment))) {
    throw new DestinationError(destination);
  }
  return { kind: match[1] as 'queue' | 'topic', name: match[2] as string };
}

/** Narrows a string to a `Destination`, throwing a `DestinationError` when it is not one. */
export function toDestination(destination: string): Destination {
  parseDestination(destination);
  return destination as Destination;
}
