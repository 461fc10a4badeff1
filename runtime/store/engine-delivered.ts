/**
 * The de-duplication record of an inbound endpoint placed by lease: the ids it delivered, as the
 * coordination engine's fenced set under the endpoint's lease key, so that the node that takes
 * the endpoint over drops a copy of a message delivered on another node. It is read whole when
 * the endpoint starts (after trimming it to its bounds) and answered from memory since: only
 * the lease holder adds to it, so what this process added is all that changed. Adds are
 * grouped (one fenced engine write for every id asked for while the previous one was under way)
 * and the set is trimmed again each time a tenth of its count bound was added.
 */
import type { DeliveredIds } from './delivery-records.js';
import type { EndpointFence } from './engine-fence.js';
import { GroupCommit } from './group-commit.js';

export interface EngineDeliveredOptions {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
}

export class EngineDelivered implements DeliveredIds {
  readonly #writes = new GroupCommit();
  /** Delivered ids, oldest first (a Set keeps insertion order). */
  readonly #ids: Set<string>;
  /** Ids asked for and not yet handed to a write. */
  #pending: string[] = [];
  #sinceTrim = 0;

  private constructor(
    private readonly fence: EndpointFence,
    private readonly options: EngineDeliveredOptions,
    ids: Iterable<string>,
  ) {
    this.#ids = new Set(ids);
  }

  /** Trims the set to its bounds and reads it. */
  static async open(
    fence: EndpointFence,
    options: EngineDeliveredOptions,
  ): Promise<EngineDelivered> {
    await fence.store.trimMembers(fence.key, options, fence.token);
    return new EngineDelivered(fence, options, await fence.store.members(fence.key));
  }

  get size(): number {
    return this.#ids.size;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Adds `ids` to the engine's set; resolves once a fenced write holding them succeeded. */
  addMany(ids: readonly string[]): Promise<void> {
    this.#pending.push(...ids);
    return this.#writes.join(async () => {
      const batch = this.#pending.splice(0);
      if (batch.length === 0) return;
      await this.fence.store.addMembers(this.fence.key, batch, this.fence.token);
      for (const id of batch) this.#ids.add(id);
      this.#sinceTrim += batch.length;
      if (this.#sinceTrim >= Math.max(1, Math.floor(this.options.maxEntries / 10))) {
        this.#sinceTrim = 0;
        await this.#trim();
      }
    });
  }

  async close(): Promise<void> {
    await this.#writes.settled();
  }

  /** Trims the engine's set, and this copy by count (oldest first) as the engine does. */
  async #trim(): Promise<void> {
    await this.fence.store.trimMembers(this.fence.key, this.options, this.fence.token);
    let over = this.#ids.size - this.options.maxEntries;
    for (const id of this.#ids) {
      if (over-- <= 0) break;
      this.#ids.delete(id);
    }
  }
}
