/**
 * The delivery records of an inbound endpoint in `shared` mode: its instances on several nodes
 * consume one queue as competing consumers, and share one claims ledger in the coordination
 * engine (`Coordinator.claim`), each instance writing under its own lease. A message's id is
 * claimed when it arrives, before its put:
 * - `claimed`: nobody had it — put it;
 * - `completed`: some instance delivered it — a copy, dropped;
 * - `held`: another instance, whose lease is current, is putting it (the broker gave the message
 *   to this one after losing the other's connection, say) — wait until it completes it or its
 *   lease ends, asking again with a growing pause;
 * - `taken-over`: an instance whose lease ended (its node died) had begun it, or one gave it up
 *   with its outcome unknown — look at the target (`alreadyDelivered`) before putting again.
 * Delivered ids are completed in the ledger before the ack (one fenced write for every id
 * recorded while the previous one was under way); a claim whose put never began is dropped when
 * its message is settled, one whose put failed with an unknown outcome is given up as doubtful.
 */
import type { Clock } from '../clock.js';
import { delay } from '../delay.js';
import { StoreError } from '../errors.js';
import type { DeliveryRecordsHooks } from './delivery-records.js';
import type { ClaimOutcome } from '../../coordination/index.js';
import type { EndpointFence } from './engine-fence.js';
import { EngineMarks } from './engine-marks.js';
import { GroupCommit } from './group-commit.js';
import type { Admission, InboundRecords } from './inbound-records.js';

export interface SharedRecordsOptions {
  /** The ledger's bounds: completed ids kept, and the age past which any entry goes. */
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  readonly clock: Clock;
  /** First pause before asking again about an id another instance holds. @defaultValue 100 */
  readonly heldPollMs?: number;
}

const boundsOf = (o: SharedRecordsOptions) => ({ maxEntries: o.maxEntries, maxAgeMs: o.maxAgeMs });

/** Longest pause between two questions about a held id. */
const HELD_POLL_MAX_MS = 1000;

export class SharedRecords implements InboundRecords {
  readonly #fence: EndpointFence & { readonly ledger: string };
  readonly #options: SharedRecordsOptions;
  readonly #hooks: DeliveryRecordsHooks;
  readonly #closing = new AbortController();
  /** Completed ids known here, oldest first (a Set keeps insertion order). */
  readonly #completed = new Set<string>();
  /** Admissions under way or decided, per id in hand. */
  readonly #admissions = new Map<string, Promise<Admission>>();
  /** Ids this instance holds a claim on, not completed nor given up. */
  readonly #claimed = new Set<string>();
  /** Claimed ids whose put has begun. */
  readonly #begun = new Set<string>();
  /** Claims being given up: a new admission of the id waits for it. */
  readonly #releasing = new Map<string, Promise<void>>();
  readonly #claims = new GroupCommit();
  /** Ids to claim in the next engine call, and the outcomes of the last ones. */
  readonly #toClaim = new Set<string>();
  readonly #decided = new Map<string, ClaimOutcome>();
  readonly #completions = new GroupCommit();
  #toComplete: string[] = [];
  /** Writes under way in the background (unclaims, retried completions): closing waits. */
  readonly #background = new Set<Promise<void>>();
  #sinceTrim = 0;
  /** Ids the endpoint delivered when one node ran it (before `shared` mode): copies, dropped. */
  readonly #carried: ReadonlySet<string>;
  /** Ids that one node was putting when it stopped, not recorded: looked up before a put. */
  readonly #left: readonly string[];

  private constructor(
    fence: EndpointFence & { readonly ledger: string },
    options: SharedRecordsOptions,
    hooks: DeliveryRecordsHooks,
    before: { readonly carried: ReadonlySet<string>; readonly left: readonly string[] },
  ) {
    this.#fence = fence;
    this.#options = options;
    this.#hooks = hooks;
    this.#carried = before.carried;
    this.#left = before.left;
  }

  /**
   * Trims the ledger to its bounds and reads what the endpoint did before it ran in `shared` mode
   * (its single owner's de-duplication set and put marks, under the ledger's key), then serves.
   */
  static async open(
    fence: EndpointFence & { readonly ledger: string },
    options: SharedRecordsOptions,
    hooks: DeliveryRecordsHooks,
  ): Promise<SharedRecords> {
    await fence.store.trimLedger(fence.ledger, boundsOf(options), fence);
    const owner = { store: fence.store, key: fence.ledger, token: fence.token };
    const carried = new Set(await fence.store.members(fence.ledger));
    const marks = await EngineMarks.read(owner);
    for (const id of marks.delivered) carried.add(id);
    const left = marks.ids.filter((id) => !carried.has(id));
    return new SharedRecords(fence, options, hooks, { carried, left });
  }

  admit(id: string): Promise<Admission> {
    // Delivered before `shared` mode: `has()` says so, and the message is dropped unclaimed.
    if (this.#carried.has(id)) return Promise.resolve('fresh');
    let admission = this.#admissions.get(id);
    if (admission === undefined) {
      admission = this.#decide(id);
      this.#admissions.set(id, admission);
      // A failed decision is asked again when the message comes back.
      admission.catch(() => this.#admissions.delete(id));
    }
    return admission;
  }

  has(id: string): boolean {
    return this.#completed.has(id) || this.#carried.has(id);
  }

  /**
   * What the single owner of the endpoint left unrecorded before it ran in `shared` mode; what
   * shared instances leave is in the ledger, decided per id on arrival.
   */
  leftUnrecorded(): string[] {
    return [...this.#left];
  }

  markAhead(id: string): void {
    void this.admit(id).catch(() => undefined);
  }

  /** The claim is the mark: it was made on arrival. */
  markPutting(ids: readonly string[]): Promise<void> {
    for (const id of ids) if (this.#claimed.has(id)) this.#begun.add(id);
    return Promise.resolve();
  }

  unmark(id: string): void {
    this.#admissions.delete(id);
    if (this.#claimed.delete(id)) this.#giveUp(id, false);
    this.#begun.delete(id);
  }

  withdraw(id: string): void {
    this.#admissions.delete(id);
    if (!this.#claimed.has(id)) return;
    this.#claimed.delete(id);
    // A put that began and was not recorded may have reached the target: the next claimant looks.
    this.#giveUp(id, this.#begun.delete(id));
  }

  record(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      this.#claimed.delete(id);
      this.#begun.delete(id);
      this.#remember(id);
    }
    this.#toComplete.push(...ids);
    const written = this.#completions.join(() => this.#complete());
    written.catch((err: unknown) => {
      this.#hooks.storeFailed(err instanceof Error ? err : new Error(String(err)));
      this.#retryCompletions();
    });
    return written;
  }

  async close(): Promise<void> {
    this.#closing.abort();
    await this.#completions.settled();
    await Promise.allSettled([...this.#background]);
  }

  /** Claims `id` (with every id arriving meanwhile), waiting while another instance holds it. */
  async #decide(id: string): Promise<Admission> {
    await this.#releasing.get(id);
    let pauseMs = this.#options.heldPollMs ?? 100;
    for (;;) {
      if (this.#closing.signal.aborted) {
        throw new StoreError(this.#where(), `closing: ${id} was not claimed`);
      }
      const outcome = await this.#claim(id);
      switch (outcome) {
        case 'claimed':
          this.#claimed.add(id);
          return 'fresh';
        case 'taken-over':
          this.#claimed.add(id);
          return 'suspect';
        case 'completed':
          this.#remember(id);
          return 'fresh';
        case 'held':
          await delay(this.#options.clock, pauseMs, this.#closing.signal).catch(() => undefined);
          pauseMs = Math.min(HELD_POLL_MAX_MS, pauseMs * 2);
          break;
        default:
          throw new StoreError(this.#where(), `the ledger did not decide ${id}`);
      }
    }
  }

  /** Group claim: one engine call for every id asked for while the previous one was under way. */
  async #claim(id: string): Promise<ClaimOutcome | undefined> {
    this.#toClaim.add(id);
    await this.#claims.join(async () => {
      const ids = [...this.#toClaim];
      this.#toClaim.clear();
      if (ids.length === 0) return;
      const outcomes = await this.#fence.store.claim(this.#fence.ledger, ids, this.#fence);
      for (const [claimed, outcome] of outcomes) this.#decided.set(claimed, outcome);
    });
    const outcome = this.#decided.get(id);
    this.#decided.delete(id);
    return outcome;
  }

  async #complete(): Promise<void> {
    const ids = this.#toComplete.splice(0);
    if (ids.length === 0) return;
    try {
      await this.#fence.store.complete(this.#fence.ledger, ids, this.#fence);
    } catch (err) {
      this.#toComplete.push(...ids);
      throw err;
    }
    this.#sinceTrim += ids.length;
    if (this.#sinceTrim >= Math.max(1, Math.floor(this.#options.maxEntries / 10))) {
      this.#sinceTrim = 0;
      this.#track(
        this.#fence.store.trimLedger(this.#fence.ledger, boundsOf(this.#options), this.#fence).then(
          () => undefined,
          (err: unknown) => this.#hooks.storeFailed(err as Error),
        ),
      );
    }
  }

  /**
   * Completions that failed stay due: asked again after a pause until they are written (or the
   * records close), so that an instance waiting on this one's claims learns they are done.
   */
  #retryCompletions(): void {
    this.#track(
      delay(this.#options.clock, HELD_POLL_MAX_MS, this.#closing.signal).then(
        () => {
          if (this.#toComplete.length === 0) return;
          this.#completions.join(() => this.#complete()).catch(() => this.#retryCompletions());
        },
        () => undefined,
      ),
    );
  }

  #giveUp(id: string, doubtful: boolean): void {
    const released = this.#fence.store
      .unclaim(this.#fence.ledger, [id], this.#fence, { doubtful })
      .catch((err: unknown) => this.#hooks.storeFailed(err as Error))
      .finally(() => {
        if (this.#releasing.get(id) === released) this.#releasing.delete(id);
      });
    this.#releasing.set(id, released);
    this.#track(released);
  }

  #remember(id: string): void {
    this.#completed.delete(id);
    this.#completed.add(id);
    let over = this.#completed.size - this.#options.maxEntries;
    for (const old of this.#completed) {
      if (over-- <= 0) break;
      this.#completed.delete(old);
    }
  }

  #track(work: Promise<void>): void {
    this.#background.add(work);
    void work.finally(() => this.#background.delete(work));
  }

  #where(): string {
    return `${this.#fence.store.url} (ledger ${this.#fence.ledger})`;
  }
}
