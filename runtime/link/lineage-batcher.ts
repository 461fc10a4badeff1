/**
 * Collects an endpoint's lineage events and sends them to its node in batches: at most one
 * report per interval, or at once when a batch is full. Bounded: past `maxQueued` the oldest
 * events are dropped and counted (the next report says how many, `dropped`), so a slow or absent
 * node costs the record path memory, never a wait. A report the link could not take (down) is
 * lost, and its events counted (`lost` of the next report that goes): records go on. The node
 * counts both in `aes_endpoint_lineage_steps_dropped_total`.
 */
import type { LineageEvent } from '../endpoint/lineage.js';
import type { EndpointLineageReport } from './protocol.js';

/** How long events wait for company before they are sent. */
export const LINEAGE_FLUSH_INTERVAL_MS = 50;
/** Events per report at most. */
export const LINEAGE_BATCH_SIZE = 500;
/** Events held at most while the node does not take them. */
export const LINEAGE_MAX_QUEUED = 20_000;

export interface LineageBatcherOptions {
  /**
   * Sends one report; true when the link took it, false when it could not (down). Must not
   * throw (EndpointLink.report does not).
   */
  readonly send: (report: EndpointLineageReport) => boolean;
  /** @defaultValue LINEAGE_FLUSH_INTERVAL_MS */
  readonly intervalMs?: number;
  /** @defaultValue LINEAGE_BATCH_SIZE */
  readonly batchSize?: number;
  /** @defaultValue LINEAGE_MAX_QUEUED */
  readonly maxQueued?: number;
}

export class LineageBatcher {
  #queue: LineageEvent[] = [];
  #dropped = 0;
  #lost = 0;
  #timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly maxQueued: number;

  constructor(private readonly options: LineageBatcherOptions) {
    this.intervalMs = options.intervalMs ?? LINEAGE_FLUSH_INTERVAL_MS;
    this.batchSize = options.batchSize ?? LINEAGE_BATCH_SIZE;
    this.maxQueued = options.maxQueued ?? LINEAGE_MAX_QUEUED;
  }

  /** Events held now. */
  get queued(): number {
    return this.#queue.length;
  }

  push(event: LineageEvent): void {
    this.#queue.push(event);
    if (this.#queue.length > this.maxQueued) {
      const over = this.#queue.length - this.maxQueued;
      this.#queue.splice(0, over);
      this.#dropped += over;
    }
    if (this.#queue.length >= this.batchSize) {
      this.flush();
      return;
    }
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), this.intervalMs);
      this.#timer.unref();
    }
  }

  /** Sends everything held now, in batches. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0) {
      const events = this.#queue.splice(0, this.batchSize);
      const report = { kind: 'lineage', events, dropped: this.#dropped, lost: this.#lost } as const;
      if (this.options.send(report)) {
        this.#dropped = 0;
        this.#lost = 0;
      } else {
        // Counted until a report gets through and says so.
        this.#lost += events.length;
      }
    }
  }
}
