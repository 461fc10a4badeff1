import { OptionError } from '../errors.js';

/**
 * The prefetch an inbound endpoint runs with: with `concurrency` N > 1 each put in flight holds
 * one unacknowledged message, and the broker sends the next one only after an ack, which comes
 * after the record's id is synced. A prefetch of N would leave each put slot idle for that
 * record, the ack and the broker's next delivery; twice N keeps the next messages at hand.
 */
export function prefetchFor(prefetch: number, concurrency: number): number {
  return concurrency > 1 && prefetch < concurrency ? 2 * concurrency : prefetch;
}

/**
 * Refuses what `concurrency` cannot run with: a batch (each message is its own put), or a
 * prefetch below it (fewer messages in hand than puts in flight). Names the option.
 */
export function checkConcurrency(
  name: string,
  concurrency: number,
  batchSize: number,
  prefetch: number,
): void {
  if (concurrency > 1 && batchSize > 1) {
    throw new OptionError(
      'concurrency',
      `${name}: concurrency ${concurrency} needs batchSize 1 (each message its own put), got batchSize ${batchSize}`,
    );
  }
  if (prefetch < concurrency) {
    throw new OptionError(
      'prefetch',
      `${name}: prefetch ${prefetch} is below concurrency ${concurrency}: at most ${prefetch} puts could be in flight`,
    );
  }
}
