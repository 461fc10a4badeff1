/**
 * The outbound journal of an endpoint placed by lease, in the coordination engine: which FIFO
 * records the broker confirmed and the source has not marked popped yet, fenced by the lease.
 * The node that takes the endpoint over reads it and resumes at `popped` instead of publishing
 * those records again. Each write is one fenced engine write that the engine made durable
 * (etcd's Raft log, PostgreSQL's WAL) before it answered; the clear too, so that the successor
 * never resumes from an entry older than the last one written.
 */
import { StoreError } from '../errors.js';
import { fencedPath, readFenced, writeFenced, type EndpointFence } from './engine-fence.js';
import { isEntry, type Journal, type JournalEntry } from './outbound-journal.js';

export class EngineJournal implements Journal {
  #entry: JournalEntry | undefined;

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
  }

  async clear(): Promise<void> {
    await writeFenced(this.fence, 'journal', null);
    this.#entry = undefined;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
