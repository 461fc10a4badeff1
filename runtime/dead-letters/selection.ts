/**
 * Which dead letters a command acts on: by message id, endpoint, original queue and age. A
 * selection with no criterion selects everything; `drop` and `replay` insist on one or on `all`.
 */
import { DeadLetterError } from './errors.js';
import { deadLetteredAtMs, type DeadLetter } from './dead-letter-message.js';

export interface DeadLetterFilter {
  /** Only these message ids. */
  readonly messageIds?: readonly string[];
  /** Only those dead-lettered by this endpoint. */
  readonly endpoint?: string;
  /** Only those whose original destination is this queue (`/queue/orders` or `orders`). */
  readonly queue?: string;
  /** Only those dead-lettered at least this long ago. */
  readonly olderThanMs?: number;
  /** Only those dead-lettered less than this long ago. */
  readonly newerThanMs?: number;
  /** Only those read from this dead-letter queue (all of one endpoint's, say). */
  readonly deadLetterQueue?: string;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Parses `90s`, `15m`, `2h`, `7d`, `500ms` (a bare number is seconds) into milliseconds. */
export function parseAge(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (match === null) {
    throw new DeadLetterError(
      'DLQ_BAD_FILTER',
      `${option}: '${text}' is not a duration (e.g. 90s, 15m, 2h, 7d)`,
    );
  }
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 1_000));
}

/** True when the filter names at least one criterion. */
export function hasCriterion(filter: DeadLetterFilter): boolean {
  return (
    (filter.messageIds !== undefined && filter.messageIds.length > 0) ||
    filter.endpoint !== undefined ||
    filter.queue !== undefined ||
    filter.olderThanMs !== undefined ||
    filter.newerThanMs !== undefined ||
    filter.deadLetterQueue !== undefined
  );
}

/** `orders` and `/queue/orders` name the same queue. */
function queueName(queue: string): string {
  return queue.startsWith('/') ? queue : `/queue/${queue}`;
}

/** Whether `letter` matches every criterion of `filter`, at time `nowMs`. */
export function matches(letter: DeadLetter, filter: DeadLetterFilter, nowMs: number): boolean {
  if (
    filter.messageIds !== undefined &&
    filter.messageIds.length > 0 &&
    !filter.messageIds.includes(letter.messageId)
  ) {
    return false;
  }
  if (filter.endpoint !== undefined && letter.endpoint !== filter.endpoint) return false;
  if (
    filter.deadLetterQueue !== undefined &&
    letter.deadLetterQueue !== queueName(filter.deadLetterQueue)
  ) {
    return false;
  }
  if (filter.queue !== undefined && letter.originalDestination !== queueName(filter.queue)) {
    return false;
  }
  if (filter.olderThanMs !== undefined || filter.newerThanMs !== undefined) {
    const at = deadLetteredAtMs(letter);
    // Without a recorded time its age is unknown: no age filter selects it.
    if (at === undefined) return false;
    const age = nowMs - at;
    if (filter.olderThanMs !== undefined && age < filter.olderThanMs) return false;
    if (filter.newerThanMs !== undefined && age >= filter.newerThanMs) return false;
  }
  return true;
}
