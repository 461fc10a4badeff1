/**
 * What `/dead-letters.json` serves: per endpoint of this node, the count of its dead-letter queue
 * and its newest letters (a bounded list and how many more), as plain JSON. Pure: the browse is
 * done by `dead-letter-desk.ts`.
 */
import type { DeadLetter } from '../dead-letters/index.js';
import { deadLetteredAtMs } from '../dead-letters/dead-letter-message.js';

/** Most letters listed per endpoint; the rest are counted in `more`. */
export const MAX_LISTED_DEAD_LETTERS = 50;

export interface DeadLetterRow {
  readonly messageId: string;
  readonly endpoint: string | null;
  readonly reason: string | null;
  readonly originalDestination: string | null;
  readonly deliveryCount: number | null;
  readonly deadLetteredAt: string | null;
  /** How long ago it was dead-lettered; null when its headers do not say. */
  readonly ageMs: number | null;
}

export interface EndpointDeadLetters {
  readonly endpoint: string;
  readonly queue: string;
  readonly count: number;
  /** The newest first, at most {@link MAX_LISTED_DEAD_LETTERS}. */
  readonly letters: readonly DeadLetterRow[];
  /** Letters counted but not listed. */
  readonly more: number;
  /** The queue held more than one browse reads: `count` is a lower bound. */
  readonly truncated: boolean;
}

export interface DeadLetterSummary {
  readonly node: string;
  readonly endpoints: readonly EndpointDeadLetters[];
  /** How the broker was read (absent when the node has no endpoint, so nothing was read). */
  readonly via?: 'management' | 'stomp';
  /** Why RabbitMQ's management API was not used although it might have been (`aes dlq`'s notice). */
  readonly notice?: string;
}

/** One endpoint of the node and the dead-letter queue it writes to. */
export interface EndpointQueue {
  readonly endpoint: string;
  readonly queue: string;
}

/**
 * Groups `letters` by endpoint. A queue shared by several endpoints lists under each only the
 * letters that name it (or name no endpoint).
 */
export function summarizeDeadLetters(
  node: string,
  endpoints: readonly EndpointQueue[],
  letters: readonly DeadLetter[],
  truncated: readonly string[],
  nowMs: number,
): DeadLetterSummary {
  return {
    node,
    endpoints: endpoints.map(({ endpoint, queue }) => {
      const shared = endpoints.filter((e) => e.queue === queue).length > 1;
      const own = letters.filter(
        (l) =>
          l.deadLetterQueue === queue &&
          (!shared || l.endpoint === undefined || l.endpoint === endpoint),
      );
      const newest = [...own].sort(
        (a, b) => (deadLetteredAtMs(b) ?? -Infinity) - (deadLetteredAtMs(a) ?? -Infinity),
      );
      const listed = newest.slice(0, MAX_LISTED_DEAD_LETTERS).map((l) => row(l, nowMs));
      return {
        endpoint,
        queue,
        count: own.length,
        letters: listed,
        more: own.length - listed.length,
        truncated: truncated.includes(queue),
      };
    }),
  };
}

function row(letter: DeadLetter, nowMs: number): DeadLetterRow {
  const at = deadLetteredAtMs(letter);
  return {
    messageId: letter.messageId,
    endpoint: letter.endpoint ?? null,
    reason: letter.reason ?? null,
    originalDestination: letter.originalDestination ?? null,
    deliveryCount: letter.deliveryCount ?? null,
    deadLetteredAt: letter.deadLetteredAt ?? null,
    ageMs: at === undefined ? null : Math.max(0, nowMs - at),
  };
}
