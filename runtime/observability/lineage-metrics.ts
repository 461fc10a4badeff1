/**
 * `aes_endpoint_lineage_steps_dropped_total{endpoint, reason}`: steps of records' lineage that never
 * reached the node's index, counted at the node — those it lost itself, and those an endpoint
 * reports it lost (in the `dropped` and `lost` fields of its next lineage report).
 */
import type { Counter, Registry } from 'prom-client';
import type { LINEAGE_DROP_REASONS } from './catalogue.js';
import { createCounter } from './metric-factory.js';

export type LineageDropReason = (typeof LINEAGE_DROP_REASONS)[number];

export class LineageMetrics {
  readonly #dropped: Counter;

  constructor(registry: Registry) {
    this.#dropped = createCounter(registry, 'aes_endpoint_lineage_steps_dropped_total');
  }

  /** Counts `count` steps of `endpoint` dropped for `reason` (0 makes the series exist). */
  dropped(endpoint: string, reason: LineageDropReason, count: number): void {
    if (!Number.isInteger(count) || count < 0) return;
    this.#dropped.inc({ endpoint, reason }, count);
  }

  /** Counts the steps of a batch whose write failed, per endpoint. */
  writeFailed(lost: readonly { readonly endpoint: string }[]): void {
    const counts = new Map<string, number>();
    for (const { endpoint } of lost) counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
    for (const [endpoint, n] of counts) this.dropped(endpoint, 'write-failed', n);
  }
}
