/**
 * Browsing dead-letter queues over plain STOMP (or any `Transport`): subscribe with
 * client-individual acks and a wide window, hold every delivery unacknowledged until the queue
 * goes quiet, then ack only the ones a command removes. Closing the connection gives the rest
 * back to the broker, unchanged. This needs nothing beyond what every STOMP broker does (the
 * embedded one, RabbitMQ, ActiveMQ), so `aes dlq` works against any of them.
 *
 * While a browse holds them, other consumers of the same dead-letter queue do not see those
 * messages; dead-letter queues have no consumer in aes, so only two `aes dlq` at once compete.
 */
import type { Destination, InboundMessage, Transport } from '../../transports/index.js';
import { readDeadLetter, type DeadLetter } from './dead-letter-message.js';

/** Most messages held per dead-letter queue in one browse. */
export const MAX_BROWSE_MESSAGES = 10_000;
/** A queue is taken as read once no message arrived for this long. */
export const DEFAULT_BROWSE_QUIET_MS = 400;

/** One dead letter held unacknowledged by a browse. */
export interface HeldDeadLetter {
  readonly letter: DeadLetter;
  /** Acknowledges it: the broker removes it from its dead-letter queue. */
  remove(): void;
}

export interface BrowseOptions {
  /** Deadline of the whole browse (every queue). */
  readonly timeoutMs: number;
  readonly quietMs?: number;
  readonly signal?: AbortSignal;
}

export interface BrowseResult {
  readonly held: readonly HeldDeadLetter[];
  /** Queues that held {@link MAX_BROWSE_MESSAGES} or more: only that many were read. */
  readonly truncated: readonly Destination[];
}

/**
 * Reads every message of `queues` over `transport` (connected), holding them unacknowledged.
 * The caller acks what it removes (`remove()`), then closes the transport to give back the rest.
 */
export async function browseDeadLetters(
  transport: Transport,
  queues: readonly Destination[],
  options: BrowseOptions,
): Promise<BrowseResult> {
  const quietMs = options.quietMs ?? DEFAULT_BROWSE_QUIET_MS;
  const deadline = Date.now() + options.timeoutMs;
  const held: HeldDeadLetter[] = [];
  const counts = new Map<Destination, number>();
  let lastArrival = Date.now();
  for (const queue of queues) {
    counts.set(queue, 0);
    await transport.subscribe(
      queue,
      (message: InboundMessage) =>
        new Promise<void>((resolve) => {
          lastArrival = Date.now();
          counts.set(queue, (counts.get(queue) ?? 0) + 1);
          // Never rejected: what is not removed goes back when the connection closes.
          held.push({ letter: readDeadLetter(queue, message), remove: () => resolve() });
        }),
      {
        prefetch: MAX_BROWSE_MESSAGES,
        timeoutMs: Math.max(1, deadline - Date.now()),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
    );
  }
  lastArrival = Math.max(lastArrival, Date.now());
  // Quiet for `quietMs`, or the deadline: whatever arrived by then is the browse.
  while (Date.now() - lastArrival < quietMs && Date.now() < deadline) {
    options.signal?.throwIfAborted();
    const wait = Math.min(quietMs - (Date.now() - lastArrival), deadline - Date.now());
    await new Promise<void>((resolve) => setTimeout(resolve, Math.max(1, wait)));
  }
  const truncated = [...counts].filter(([, n]) => n >= MAX_BROWSE_MESSAGES).map(([q]) => q);
  return { held, truncated };
}
