/**
 * The checks of a chaos run, over the history the outside world recorded — what the source
 * handed out and saw popped, what the target accepted, with times — never over what aes says
 * about itself. They know nothing of the nemesis.
 */

export interface SourceEvent {
  readonly at: number;
  readonly op: 'pop' | 'popped';
  /** The source's record id. */
  readonly id: string;
}

export interface TargetEvent {
  readonly at: number;
  readonly messageId: string;
}

export interface HistoryInput {
  /** Records the source held at the start. */
  readonly records: number;
  readonly source: readonly SourceEvent[];
  readonly target: readonly TargetEvent[];
  /** The message id the target sees for a source record id (`orders-out:<id>`). */
  readonly messageIdOf: (recordId: string) => string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** A gap longer than this with no new record at the target, records remaining, is a stall. */
  readonly stallLimitMs: number;
}

export interface Stall {
  readonly from: number;
  readonly to: number;
  readonly ms: number;
}

export interface Verdict {
  /** Records the source saw popped that the target never accepted. */
  readonly lost: string[];
  /** Message ids the target accepted more than once, each with its count. */
  readonly duplicates: { readonly messageId: string; readonly times: number }[];
  /** Extra acceptances in all (accepted − distinct). */
  readonly duplicateCount: number;
  /** Message ids the target accepted that the source never handed out. */
  readonly phantoms: string[];
  /** Distinct records at the target. */
  readonly delivered: number;
  /** Records still in the source's FIFO at the end (never popped). */
  readonly unpopped: number;
  readonly stalls: Stall[];
  /** First acceptances of a record older than one accepted before it (information). */
  readonly outOfOrder: number;
  /** From the start to the last new record at the target (or the end when some never came). */
  readonly seconds: number;
}

export function checkHistory(h: HistoryInput): Verdict {
  const handedOut = new Set(h.source.filter((e) => e.op === 'pop').map((e) => h.messageIdOf(e.id)));
  const popped = h.source.filter((e) => e.op === 'popped').map((e) => e.id);
  const times = new Map<string, number>();
  const firsts: TargetEvent[] = [];
  for (const e of h.target) {
    const n = times.get(e.messageId) ?? 0;
    if (n === 0) firsts.push(e);
    times.set(e.messageId, n + 1);
  }
  const duplicates = [...times]
    .filter(([, n]) => n > 1)
    .map(([messageId, n]) => ({ messageId, times: n }));
  // Gaps between new records at the target, while some remained.
  const stalls: Stall[] = [];
  let last = h.startedAt;
  for (const e of firsts) {
    if (e.at - last > h.stallLimitMs) stalls.push({ from: last, to: e.at, ms: e.at - last });
    last = e.at;
  }
  const complete = firsts.length >= h.records;
  if (!complete && h.endedAt - last > h.stallLimitMs) {
    stalls.push({ from: last, to: h.endedAt, ms: h.endedAt - last });
  }
  let outOfOrder = 0;
  let newest = -Infinity;
  for (const e of firsts) {
    const n = Number(e.messageId.slice(e.messageId.lastIndexOf(':') + 1));
    if (n < newest) outOfOrder += 1;
    newest = Math.max(newest, n);
  }
  const poppedSet = new Set(popped);
  return {
    lost: popped.filter((id) => !times.has(h.messageIdOf(id))),
    duplicates,
    duplicateCount: h.target.length - times.size,
    phantoms: [...times.keys()].filter((id) => !handedOut.has(id)),
    delivered: times.size,
    unpopped: h.records - poppedSet.size,
    stalls,
    outOfOrder,
    seconds: ((complete ? last : h.endedAt) - h.startedAt) / 1000,
  };
}
