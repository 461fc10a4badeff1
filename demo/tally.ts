/**
 * What the demo counts, from what the real systems recorded: the ids the source system served
 * (marked popped) against the message ids the target system accepted. Pure, so it is tested apart.
 */
import type { MockState } from '../mock/index.js';

export interface DemoTally {
  /** Records the source served and saw marked popped. */
  readonly popped: number;
  /** Distinct messages the target accepted. */
  readonly delivered: number;
  /** Served records never delivered. */
  readonly lost: number;
  /** Deliveries beyond the first of the same message. */
  readonly duplicates: number;
  /** Records still in the source's FIFO. */
  readonly remaining: number;
  /** Messages the target accepted that the source never served (none, unless something is wrong). */
  readonly unexpected: number;
}

/** `<endpoint>:<fifo id>`: the stable message id an outbound endpoint publishes with. */
export function messageIdOf(endpoint: string, fifoId: string): string {
  return `${endpoint}:${fifoId}`;
}

/** Counts served against delivered; `endpoint` is the outbound endpoint's name. */
export function tally(source: MockState, target: MockState, endpoint: string): DemoTally {
  const served = new Set((source.fifo?.popped ?? []).map((id) => messageIdOf(endpoint, id)));
  const delivered = new Set(target.put?.ids ?? []);
  let lost = 0;
  for (const id of served) if (!delivered.has(id)) lost += 1;
  let unexpected = 0;
  for (const id of delivered) if (!served.has(id)) unexpected += 1;
  return {
    popped: served.size,
    delivered: delivered.size,
    lost,
    duplicates: target.put?.duplicates.length ?? 0,
    remaining: source.fifo?.remaining.length ?? 0,
    unexpected,
  };
}

/** Every record left the source and arrived; nothing else arrived. */
export function isComplete(t: DemoTally, records: number): boolean {
  return t.remaining === 0 && t.popped === records && t.lost === 0 && t.unexpected === 0;
}

/** The closing line: `1000 popped, 1000 delivered, 0 lost, 0 duplicates`. */
export function formatSummary(t: DemoTally): string {
  return `${t.popped} popped, ${t.delivered} delivered, ${t.lost} lost, ${t.duplicates} duplicates`;
}

/**
 * The closing line of a run stopped before its end: served records not delivered yet are on
 * their way (in the durable queue), not lost.
 */
export function formatInterrupted(t: DemoTally): string {
  return `interrupted after ${t.popped} popped, ${t.delivered} delivered, ${t.lost} on their way, ${t.duplicates} duplicates`;
}
