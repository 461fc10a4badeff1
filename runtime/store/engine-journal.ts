/**
 * The outbound journal of an endpoint placed by lease: which FIFO records the broker confirmed and
 * the source has not marked popped yet, kept in the coordination engine, fenced by the lease, so
 * that the node that takes the endpoint over resumes at `popped` instead of publishing those
 * records again.
 *
 * Written as the journal in the data folder is (outbound-journal.ts): an entry is written to a
 * slot file of this node before `popped` — from then on it survives kill -9 of the endpoint
 * process — and reaches the engine behind, overlapping `popped`, as the local journal's fdatasync
 * does. The engine write is what survives the loss of the node (its power, its host), as the
 * fdatasync is what survives a power loss: should the node go down before the entry is in the
 * engine and before the source marked the records popped, the successor publishes them again
 * under their stable ids and the inbound de-duplication drops the copies. That is the window the
 * local journal has for a power loss (docs/endpoints.md, "Duplicates"), no longer: the engine
 * write begins with `popped`, and once either is through, nothing is published again.
 *
 * Each entry carries a sequence number, and the slot file the lease's token: a new process reads
 * both copies and takes the later one, by token, then sequence. The engine's copy is later when
 * another node (a larger token) wrote since; this node's is later when its process died before
 * its last entry reached the engine. Engine writes run one at a time, in order, each taking the
 * latest entry when it begins; a failed one (the lease gone, the engine unreachable) fails the
 * next journal call. A clear waits for the next write (or a clean close) instead of costing an
 * engine write of its own.
 */
import { StoreError } from '../errors.js';
import type { FencingToken } from '../../coordination/index.js';
import { fencedPath, readState, writeFenced, type EndpointFence } from './engine-fence.js';
import { GroupCommit } from './group-commit.js';
import { isEntry, type Journal, type JournalEntry } from './outbound-journal.js';
import { SlotFile } from './slot-file.js';

/** The slot files of this node's copy (not the data folder journal's `journal.a`/`.b`). */
const SLOTS = ['fenced-journal.a', 'fenced-journal.b'] as const;

/** An entry (or `null`: cleared) with where it stands in the journal's history. */
interface Stamped {
  readonly entry: JournalEntry | null;
  readonly seq: number;
}

/** This node's copy: also the token of the lease it was written under. */
interface LocalStamped extends Stamped {
  readonly token: string;
}

const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function isLocal(value: unknown): value is LocalStamped {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    (v.entry === null || isEntry(v.entry)) &&
    isSeq(v.seq) &&
    typeof v.token === 'string' &&
    /^\d+$/.test(v.token)
  );
}

/** The later of two copies: by token, then sequence. */
function later(
  a: { readonly token: bigint; readonly stamped: Stamped },
  b: { readonly token: bigint; readonly stamped: Stamped },
): Stamped {
  if (a.token !== b.token) return a.token > b.token ? a.stamped : b.stamped;
  return a.stamped.seq >= b.stamped.seq ? a.stamped : b.stamped;
}

export class EngineJournal implements Journal {
  readonly #writes = new GroupCommit();
  #entry: JournalEntry | undefined;
  #seq: number;
  /** The latest entry written here: what the next engine write sends. */
  #latest: Stamped | undefined;
  /** The engine holds an entry cleared here: the next write (or close) replaces it. */
  #stale = false;
  /** An engine write failed: the next journal call rejects with it. */
  #failed: Error | undefined;

  private constructor(
    private readonly fence: EndpointFence,
    private readonly local: SlotFile<LocalStamped>,
    start: Stamped,
    engineHasEntry: boolean,
  ) {
    this.#entry = start.entry ?? undefined;
    this.#seq = start.seq;
    this.#stale = engineHasEntry && start.entry === null;
  }

  /** Reads the entry the last owner left: this node's copy or the engine's, the later one. */
  static async open(fence: EndpointFence, dataDir: string): Promise<EngineJournal> {
    const engine = await readEngine(fence);
    const local = await SlotFile.open(dataDir, SLOTS, 'the journal (this node’s copy)', isLocal);
    const mine = local.read();
    const start =
      mine === undefined
        ? engine.stamped
        : later(engine, { token: BigInt(mine.token), stamped: mine });
    return new EngineJournal(fence, local, start, engine.stamped.entry !== null);
  }

  read(): JournalEntry | undefined {
    return this.#entry;
  }

  /** Writes `entry` here (it then survives kill -9) and to the engine behind. */
  async write(entry: JournalEntry): Promise<void> {
    this.#throwFailed();
    this.#latest = await this.#writeHere(entry);
    this.#entry = entry;
    this.#stale = false;
    this.#sendBehind();
  }

  /**
   * Forgets the entry here, and in the engine only with the next write: a successor that still
   * finds it there calls `popped` for ids popped already, which `popped` accepts (it is
   * idempotent by contract). That saves an engine write per record (per batch).
   */
  async clear(): Promise<void> {
    this.#throwFailed();
    if (this.#entry === undefined) return;
    await this.#writeHere(null);
    this.#entry = undefined;
    // The engine write under way, or queued, may still send the entry: it is replaced later.
    this.#stale = true;
  }

  /**
   * Waits for the engine writes under way, then writes a pending clear (best effort: a lease
   * already gone refuses it, which is harmless), and closes this node's copy.
   */
  async close(): Promise<void> {
    await this.#writes.settled();
    try {
      if (this.#stale && this.#failed === undefined) {
        this.#stale = false;
        await this.#send({ entry: null, seq: this.#seq }).catch(() => undefined);
      }
    } finally {
      await this.local.close();
    }
  }

  /** Sends the latest entry to the engine, after the write under way (group commit). */
  #sendBehind(): void {
    this.#writes
      .join(async () => {
        const latest = this.#latest;
        if (latest === undefined) return;
        await this.#send(latest);
      })
      .catch((err: unknown) => {
        this.#failed ??= err instanceof Error ? err : new Error(String(err));
      });
  }

  /** Writes `entry` (`null`: cleared) to this node's copy, as the next in sequence. */
  async #writeHere(entry: JournalEntry | null): Promise<Stamped> {
    const stamped = { entry, seq: this.#seq + 1 };
    await this.local.write({ ...stamped, token: this.fence.token.toString() }, false);
    this.#seq = stamped.seq;
    return stamped;
  }

  #send(stamped: Stamped): Promise<void> {
    return writeFenced(this.fence, 'journal', stamped.entry, { seq: stamped.seq });
  }

  #throwFailed(): void {
    if (this.#failed !== undefined) throw this.#failed;
  }
}

/** The engine's copy and the token it was written under (0 and nothing when there is none). */
async function readEngine(
  fence: EndpointFence,
): Promise<{ readonly token: FencingToken; readonly stamped: Stamped }> {
  const stored = await readState(fence);
  const none = { token: 0n, stamped: { entry: null, seq: 0 } };
  if (stored === undefined || !('journal' in stored.state)) return none;
  const { journal, seq } = stored.state;
  if (journal !== null && !isEntry(journal)) {
    throw new StoreError(fencedPath(fence), 'the outbound journal in the engine is malformed');
  }
  return { token: stored.token, stamped: { entry: journal, seq: isSeq(seq) ? seq : 0 } };
}
