/**
 * What a dead letter says about itself, read from its headers. Two kinds end in a dead-letter
 * queue: those an inbound endpoint sent there (`aes-dead-letter-*`, runtime/endpoint/dead-letter.ts)
 * and those a broker moved (`x-dead-letter-*`, `x-original-*` as the embedded broker writes them
 * after too many deliveries; `x-first-death-*` as RabbitMQ writes them for a rejected, expired or
 * over-limit message). All read the same way here.
 */
import type { Destination, InboundMessage } from '../../transports/index.js';
import { MESSAGE_ID_HEADER, parseDestination } from '../../transports/index.js';
import {
  DEAD_LETTER_AT_HEADER,
  DEAD_LETTER_ENDPOINT_HEADER,
  DEAD_LETTER_FROM_HEADER,
  DEAD_LETTER_REASON_HEADER,
  DELIVERY_COUNT_HEADER,
  KEPT_HEADERS,
} from '../endpoint/dead-letter.js';
import { REPLAYED_AT_HEADER } from '../endpoint/record-trail.js';

/** One dead letter as `aes dlq` shows it. */
export interface DeadLetter {
  /** `aes-message-id`, else the broker's `message-id` (a message that never had an aes id). */
  readonly messageId: string;
  /** The dead-letter destination it was read from. */
  readonly deadLetterQueue: Destination;
  /** Where it came from; undefined when its headers do not say. */
  readonly originalDestination: string | undefined;
  /** The endpoint that dead-lettered it (endpoint dead letters only). */
  readonly endpoint: string | undefined;
  readonly reason: string | undefined;
  /** Deliveries before it was dead-lettered, as its headers record them. */
  readonly deliveryCount: number | undefined;
  /** ISO 8601, as its headers record it. */
  readonly deadLetteredAt: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** Headers that describe the dead-lettering, not the message: left out when it is replayed. */
const DEAD_LETTER_HEADERS: ReadonlySet<string> = new Set([
  DEAD_LETTER_REASON_HEADER,
  DEAD_LETTER_ENDPOINT_HEADER,
  DEAD_LETTER_FROM_HEADER,
  DEAD_LETTER_AT_HEADER,
  DELIVERY_COUNT_HEADER,
  MESSAGE_ID_HEADER,
]);

/** Reads a message browsed from `queue` as a dead letter. */
export function readDeadLetter(queue: Destination, message: InboundMessage): DeadLetter {
  const h = message.headers;
  const count = Number(h[DELIVERY_COUNT_HEADER] ?? h['x-delivery-count']);
  const reason =
    h[DEAD_LETTER_REASON_HEADER] ??
    (h['x-dead-letter-reason'] === undefined
      ? undefined
      : [h['x-dead-letter-reason'], h['x-dead-letter-detail']]
          .filter((part) => part !== undefined)
          .join(': ')) ??
    h['x-first-death-reason'];
  return {
    messageId: message.messageId ?? h['message-id'] ?? '',
    deadLetterQueue: queue,
    originalDestination:
      h[DEAD_LETTER_FROM_HEADER] ?? h['x-original-destination'] ?? rabbitOrigin(h),
    endpoint: h[DEAD_LETTER_ENDPOINT_HEADER],
    reason,
    deliveryCount: Number.isInteger(count) ? count : undefined,
    deadLetteredAt: h[DEAD_LETTER_AT_HEADER] ?? h['x-dead-lettered-at'],
    headers: h,
    body: message.body,
  };
}

/**
 * Where RabbitMQ dead-lettered it from (`x-first-death-queue`, which it sets on every message it
 * dead-letters): that queue as a STOMP destination, which publishes to it through the default
 * exchange whatever exchange first routed it there.
 */
function rabbitOrigin(h: Readonly<Record<string, string>>): string | undefined {
  const queue = h['x-first-death-queue'];
  return queue === undefined || queue.length === 0 ? undefined : `/queue/${queue}`;
}

/** The time it was dead-lettered in ms since the epoch; undefined when not recorded. */
export function deadLetteredAtMs(letter: DeadLetter): number | undefined {
  if (letter.deadLetteredAt === undefined) return undefined;
  const ms = Date.parse(letter.deadLetteredAt);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Where a replay sends it; undefined when its headers name no usable destination. */
export function replayDestination(letter: DeadLetter): Destination | undefined {
  const origin = letter.originalDestination;
  if (origin === undefined) return undefined;
  try {
    parseDestination(origin);
    return origin as Destination;
  } catch {
    return undefined;
  }
}

/**
 * The headers a replay publishes: the message's own `aes-*` headers, content type and trace
 * context, without those of the dead-lettering (the message id travels as the publish's own
 * message id), and `aes-replayed-at` (`atMs`), by which the inbound endpoint reports the replay
 * in the record's lineage.
 */
export function replayHeaders(
  letter: DeadLetter,
  atMs: number = Date.now(),
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(letter.headers)) {
    if ((name.startsWith('aes-') && !DEAD_LETTER_HEADERS.has(name)) || KEPT_HEADERS.has(name)) {
      headers[name] = value;
    }
  }
  headers[REPLAYED_AT_HEADER] = new Date(atMs).toISOString();
  return headers;
}
