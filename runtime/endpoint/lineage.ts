/**
 * The vocabulary of record lineage: each step of a record an endpoint reports to its node, which
 * keeps them in its lineage index for `aes trace` (docs/operations.md, "Where is record X").
 */

/**
 * A step of a record. Outbound: `popped` (taken from the source FIFO), `published` (sent to the
 * broker, each attempt), `confirmed` (the broker's receipt), `marked-popped` (the POPPED web
 * service, each attempt). Inbound: `received` (each delivery), `replayed` (it came back from a
 * dead-letter queue), `put` (each call of the target, with its outcome), `delivered` (the
 * target accepted it, its id recorded: acked), `duplicate` (dropped: delivered before),
 * `dead-lettered`.
 */
export type LineageStep =
  | 'popped'
  | 'published'
  | 'confirmed'
  | 'marked-popped'
  | 'received'
  | 'replayed'
  | 'put'
  | 'delivered'
  | 'duplicate'
  | 'dead-lettered';

export const LINEAGE_STEPS: ReadonlySet<string> = new Set<LineageStep>([
  'popped',
  'published',
  'confirmed',
  'marked-popped',
  'received',
  'replayed',
  'put',
  'delivered',
  'duplicate',
  'dead-lettered',
]);

/** One step of one record, as its endpoint saw it. */
export interface LineageEvent {
  readonly endpoint: string;
  readonly step: LineageStep;
  /** When (ms since the epoch, the endpoint's machine). */
  readonly atMs: number;
  /** `<outbound endpoint>:<fifo id>`. */
  readonly messageId: string;
  /** The source FIFO's id, where known. */
  readonly fifoId?: string;
  /** `put`, `published`, `marked-popped`: which attempt; `received`: the delivery count. */
  readonly attempt?: number;
  /** `put`, `published`, `marked-popped`: whether it worked. */
  readonly outcome?: 'ok' | 'failed';
  /** The error of a failed attempt, the dead-letter reason, the queue: one short line. */
  readonly detail?: string;
  /** The OpenTelemetry trace id of the record's span, when a tracing SDK records one. */
  readonly traceId?: string;
}

/** Longest `detail` kept. */
export const MAX_LINEAGE_DETAIL_LENGTH = 300;

/** Text made one short line, for `detail`. */
export function lineageDetail(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_LINEAGE_DETAIL_LENGTH
    ? `${flat.slice(0, MAX_LINEAGE_DETAIL_LENGTH - 1)}…`
    : flat;
}
