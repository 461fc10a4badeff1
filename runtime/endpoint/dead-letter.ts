/**
 * What an inbound endpoint sends to its dead-letter destination: where that is by default, and
 * the headers that say why a message ended there. The body and the `aes-*` headers travel as they
 * came; `aes-message-id` goes as the publish's own message id.
 */
import type { Destination, InboundMessage } from '../../transports/index.js';
import { MESSAGE_ID_HEADER } from '../../transports/index.js';
import { TRACEPARENT_HEADER, TRACESTATE_HEADER } from './trace-context.js';

/** Headers set on a dead-lettered message (besides the original `aes-*` headers). */
export const DEAD_LETTER_REASON_HEADER = 'aes-dead-letter-reason';
export const DEAD_LETTER_ENDPOINT_HEADER = 'aes-dead-letter-endpoint';
export const DEAD_LETTER_FROM_HEADER = 'aes-dead-letter-from';
export const DEAD_LETTER_AT_HEADER = 'aes-dead-letter-at';
export const DELIVERY_COUNT_HEADER = 'aes-delivery-count';
/** Headers besides the `aes-*` ones that a dead letter keeps (and a replay sends again). */
export const KEPT_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
]);
/** Longest reason kept in the header. */
const MAX_REASON_LENGTH = 1_000;

/** The default dead-letter destination of an endpoint. */
export function defaultDeadLetter(endpoint: string): Destination {
  return `/queue/dead-letter.${endpoint}`;
}

/** The dead letter's headers: the message's own `aes-*` and content type, and why it is here. */
export function deadLetterHeaders(
  message: InboundMessage,
  why: {
    readonly reason: string;
    readonly endpoint: string;
    readonly atMs: number;
    readonly deliveryCount: number;
  },
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    // The trace context too: a replayed record stays in its trace.
    if ((name.startsWith('aes-') && name !== MESSAGE_ID_HEADER) || KEPT_HEADERS.has(name)) {
      headers[name] = value;
    }
  }
  headers[DEAD_LETTER_REASON_HEADER] = oneLine(why.reason);
  headers[DEAD_LETTER_ENDPOINT_HEADER] = why.endpoint;
  headers[DEAD_LETTER_FROM_HEADER] = message.destination;
  headers[DEAD_LETTER_AT_HEADER] = new Date(why.atMs).toISOString();
  headers[DELIVERY_COUNT_HEADER] = String(why.deliveryCount);
  return headers;
}

function oneLine(text: string): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ').trim();
  return flat.length > MAX_REASON_LENGTH ? `${flat.slice(0, MAX_REASON_LENGTH - 1)}…` : flat;
}
