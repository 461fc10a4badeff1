/**
 * The prefetch an inbound endpoint runs with: with `concurrency` N > 1 each put in flight holds
 * one unacknowledged message, and the broker sends the next one only after an ack, which comes
 * after the record's id is synced. A prefetch of N would leave each put slot idle for that
 * record, the ack and the broker's next delivery; twice N keeps the next messages at hand.
 */
export function prefetchFor(prefetch: number, concurrency: number): number {
  return concurrency > 1 && prefetch < concurrency ? 2 * concurrency : prefetch;
}
