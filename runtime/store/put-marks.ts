/**
 * The inbound endpoint's put marks: the message ids whose put is under way, written and synced
 * before the target is called. After a crash, a message whose id is marked but not recorded as
 * delivered may have reached the target without the endpoint seeing the answer (the window
 * between the target's success and the recording of the id). Its redelivery is then checked with
 * the endpoint's `alreadyDelivered()`, or put again and counted as a possible duplicate.
 *
 * A slot file (`slot-file.ts`): one pwrite+fdatasync per put (per batch in batch mode), no
 * database commit. Marks are never cleared: the next put's marks replace them, and a mark whose
 * id was recorded since is harmless (the de-duplication store answers first).
 *
 * Group commit: a mark asked for while a write is under way joins the next write, which takes
 * the ids in flight when it begins (`current()`); with several puts at once (`concurrency`)
 * one fdatasync serves them all instead of one each, in turn.
 */
import { GroupCommit } from './group-commit.js';
import { SlotFile } from './slot-file.js';

interface Marks {
  readonly ids: readonly string[];
}

const SLOTS = ['putting.a', 'putting.b'] as const;

export class PutMarks {
  readonly #writes = new GroupCommit();

  private constructor(
    private readonly file: SlotFile<Marks>,
    /** The ids the previous run had marked. */
    readonly left: ReadonlySet<string>,
  ) {}

  /** Opens (creating) the marks in `dir`; `left` holds what the previous run marked last. */
  static async open(dir: string): Promise<PutMarks> {
    const file = await SlotFile.open(dir, SLOTS, 'the put marks', isMarks);
    return new PutMarks(file, new Set(file.read()?.ids ?? []));
  }

  /**
   * Marks as being put the ids `current()` returns when the write begins (those of the caller
   * among them); resolves once synced.
   */
  mark(current: () => readonly string[]): Promise<void> {
    return this.#writes.join(() => this.file.write({ ids: [...current()] }, true));
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

function isMarks(value: unknown): value is Marks {
  if (typeof value !== 'object' || value === null) return false;
  const ids = (value as Record<string, unknown>).ids;
  return Array.isArray(ids) && ids.every((id) => typeof id === 'string');
}
