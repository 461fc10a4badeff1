/**
 * The outbound journal of an endpoint placed by lease, in the coordination engine: which FIFO
 * records the broker confirmed and the source has not marked popped yet, fenced by the lease.
 * The node that takes the endpoint over reads it and resumes at `popped` instead of publishing
 * those records again. Each write is one fenced engine write that the engine made durable
 * (etcd's Raft log, PostgreSQL's WAL) before it answered. A clear waits for the next write (or a
 * clean close) instead of costing a round trip of its own.
 */
import { StoreError } from '../errors.js';
import { fencedPath, readFenced, writeFenced, type EndpointFence } from './engine-fence.js';
import { isEntry, type Journal, type JournalEntry } from './outbound-journal.js';

export class EngineJournal implements Journal {
  #entry: JournalEntry | undefined;
  /** Cleared here, not yet in the engine. */
  #stale = false;

  private constructor(
    private readonly fence: EndpointFence,
    entry: JournalEntry | undefined,
  ) {
    this.#entry = entry;
  }

  /** Reads the entry the last owner left in the engine. */
  static async open(fence: EndpointFence): Promise<EngineJournal> {
    const stored = await readFenced(fence, 'journal');
    if (stored !== undefined && stored !== null && !isEntry(stored)) {
      throw new StoreError(fencedPath(fence), 'the outbound journal in the engine is malformed');
    }
    return new EngineJournal(fence, stored ?? undefined);
  }

  read(): JournalEntry | undefined {
    return this.#entry;
  }

  async write(entry: JournalEntry): Promise<void> {
    await writeFenced(this.fence, 'journal', entry);
    this.#entry = entry;
    this.#stale = false;
  }

  /**
   * Forgets the entry without an engine write: the next `write` replaces it, and a successor
   * that still finds it calls `popped` for ids popped already, which `popped` accepts (it is
   * idempotent by contract). That saves one engine round trip per record (per batch). A clean
   * `close` writes the clear.
   */
  clear(): Promise<void> {
    if (this.#entry !== undefined) this.#stale = true;
    this.#entry = undefined;
    return Promise.resolve();
  }

  /** Writes a pending clear (best effort: a lease already gone refuses it, which is harmless). */
  async close(): Promise<void> {
    if (!this.#stale) return;
    this.#stale = false;
    await writeFenced(this.fence, 'journal', null).catch(() => undefined);
  }
}
