/**
 * The put marks of an inbound endpoint placed by lease, in the coordination engine: the ids being
 * put and the ids delivered that the engine's de-duplication set may not hold yet, as
 * `put-marks.ts` keeps them on disk, but fenced by the lease and readable by the node that takes
 * the endpoint over. A message another node was putting when it died is then checked with
 * `alreadyDelivered()` (or counted as a possible duplicate) there too, and a message it
 * delivered is dropped there as a copy. Group commit: one fenced engine write serves every mark
 * asked for while the previous write was under way.
 */
import { StoreError } from '../errors.js';
import type { MarksLog } from './delivery-records.js';
import { fencedPath, readFenced, writeFenced, type EndpointFence } from './engine-fence.js';
import { GroupCommit } from './group-commit.js';
import type { MarksState } from './put-marks.js';

const strings = (list: unknown): list is string[] =>
  Array.isArray(list) && list.every((id) => typeof id === 'string');

export class EngineMarks implements MarksLog {
  readonly #writes = new GroupCommit();

  private constructor(
    private readonly fence: EndpointFence,
    readonly left: ReadonlySet<string>,
    readonly delivered: readonly string[],
  ) {}

  /**
   * Reads what the last owner marked, and adds `carried`: what the endpoint's instances left in
   * its claims ledger when it ran in `shared` mode before (see open-delivery-records.ts).
   */
  static async open(
    fence: EndpointFence,
    carried: { readonly delivered: readonly string[]; readonly left: readonly string[] } = {
      delivered: [],
      left: [],
    },
  ): Promise<EngineMarks> {
    const { ids, delivered } = await EngineMarks.read(fence);
    return new EngineMarks(fence, new Set([...ids, ...carried.left]), [
      ...delivered,
      ...carried.delivered,
    ]);
  }

  /** What the last owner marked under `fence.key`: being put (`ids`), and delivered. */
  static async read(fence: EndpointFence): Promise<{ ids: string[]; delivered: string[] }> {
    const stored = await readFenced(fence, 'marks');
    if (stored === undefined || stored === null) return { ids: [], delivered: [] };
    const { ids, delivered } = stored as Record<string, unknown>;
    if (!strings(ids) || !strings(delivered)) {
      throw new StoreError(fencedPath(fence), 'the put marks in the engine are malformed');
    }
    return { ids, delivered };
  }

  mark(current: () => MarksState): Promise<void> {
    return this.#writes.join(() => {
      const { putting, delivered } = current();
      return writeFenced(this.fence, 'marks', { ids: [...putting], delivered: [...delivered] });
    });
  }

  async close(): Promise<void> {
    await this.#writes.settled();
  }
}
