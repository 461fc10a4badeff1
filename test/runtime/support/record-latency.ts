/**
 * Per-record latency as the outside world sees it: from the time the source system handed a
 * record out (its first Pop) to the time the target system accepted it (its first acceptance),
 * read from the two systems' own histories. Both run in one process, so both times come from one
 * clock and no process of aes is trusted with the measurement.
 */
import type { SourceSystem, TargetSystem } from './soap-systems.js';

export interface LatencySummary {
  /** Records found at both ends. */
  readonly records: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** The FIFO id in a message id `<endpoint>:<fifo id>` (what the outbound endpoint makes). */
export function fifoIdOf(messageId: string): string {
  return messageId.slice(messageId.lastIndexOf(':') + 1);
}

/** Nearest rank: the smallest value with at least `p` % of the values at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

/**
 * Latency in ms of every record the target accepted and the source handed out, sorted. A record
 * handed out twice (a re-pop after a restart) or accepted twice (a duplicate) counts from its first
 * pop to its first acceptance: the time it took the record to get through, once.
 */
export function recordLatencies(
  source: Pick<SourceSystem, 'history'>,
  target: Pick<TargetSystem, 'accepted'>,
  idOf: (messageId: string) => string = fifoIdOf,
): number[] {
  const popped = new Map<string, number>();
  for (const h of source.history) {
    if (h.op === 'pop' && !popped.has(h.id)) popped.set(h.id, h.at);
  }
  const seen = new Set<string>();
  const latencies: number[] = [];
  for (const a of target.accepted) {
    const id = idOf(a.messageId);
    const at = popped.get(id);
    if (seen.has(id) || at === undefined) continue;
    seen.add(id);
    latencies.push(a.at - at);
  }
  return latencies.sort((x, y) => x - y);
}

/** p50 and p99 of `recordLatencies`. */
export function latencySummary(
  source: Pick<SourceSystem, 'history'>,
  target: Pick<TargetSystem, 'accepted'>,
): LatencySummary {
  const sorted = recordLatencies(source, target);
  return { records: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}
