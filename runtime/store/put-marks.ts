/**
 * The inbound endpoint's put marks: the message ids whose put is under way, written and synced
 * before the target is called, and the ids delivered since that the de-duplication store may
 * not hold durably yet. After a crash, a message whose id is marked but not recorded as
 * delivered may have reached the target without the endpoint seeing the answer (the window
 * between the target's success and the recording of the id). Its redelivery is then checked with
 * the endpoint's `alreadyDelivered()`, or put again and counted as a possible duplicate. The
 * delivered ids go back into the de-duplication store on the next start
 * (`delivery-records.ts`): this file is the write-ahead log in front of that LMDB store, as the
 * broker's journal is in front of its own.
 *
 * A slot file (`slot-file.ts`): one pwrite+fdatasync per put (per batch in batch mode) and one
 * per recording, no database commit on a record's path. Marks are never cleared: the next
 * write's marks replace them, and a mark whose id was recorded since is harmless (the
 * de-duplication store answers first).
 *
 * Group commit: a mark asked for while a write is under way joins the next write, which takes
 * the ids in flight when it begins (`current()`); with several puts at once (`concurrency`)
 * one fdatasync serves them all instead of one each, in turn.
 */
import { GroupCommit } from './group-commit.js';
import { SlotFile } from './slot-file.js';

interface Marks {
  /** Being put. */
  readonly ids: readonly string[];
  /** Delivered, perhaps not yet durable in the de-duplication store. Absent in older files. */
  readonly delivered?: readonly string[];
}

/** What a write of the marks holds (gathered when the write begins). */
export interface MarksState {
  readonly putting: Iterable<string>;
  readonly delivered: Iterable<string>;
}

const SLOTS = ['putting.a', 'putting.b'] as const;

export class PutMarks {
  readonly #writes = new GroupCommit();

  private constructor(
    private readonly file: SlotFile<Marks>,
    /** The ids the previous run had marked as being put. */
    readonly left: ReadonlySet<string>,
    /** The ids the previous run had delivered, last written here. */
    readonly delivered: readonly string[],
  ) {}

  /** Opens (creating) the marks in `dir`; `left` holds what the previous run marked last. */
  static async open(dir: string): Promise<PutMarks> {
    const file = await SlotFile.open(dir, SLOTS, 'the put marks', isMarks);
    const last = file.read();
    return new PutMarks(file, new Set(last?.ids ?? []), [...(last?.delivered ?? [])]);
  }

  /**
   * Writes what `current()` returns when the write begins (what the caller asked for among it);
   * resolves once synced.
   */
  mark(current: () => MarksState): Promise<void> {
    return this.#writes.join(() => {
      const { putting, delivered } = current();
      return this.file.write({ ids: [...putting], delivered: [...delivered] }, true);
    });
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

function isMarks(value: unknown): value is Marks {
  if (typeof value !== 'object' || value === null) return false;
  const { ids, delivered } = value as Record<string, unknown>;
  const strings = (list: unknown) =>
    Array.isArray(list) && list.every((id) => typeof id === 'string');
  return strings(ids) && (delivered === undefined || strings(delivered));
}
