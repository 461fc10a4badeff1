/**
 * Group commit for a store written on a record's path: a write asked for while another is under
 * way joins the next one, which begins when that one settles and covers every caller that joined
 * it (the write itself gathers what they asked for when it begins). Writes never overlap and
 * run in the order asked. The inbound put marks and de-duplication store use it, so that puts in
 * flight together share one fdatasync instead of taking one each, in turn.
 */
export class GroupCommit {
  /** The next write, not begun yet: callers now join it. */
  #queued: Promise<void> | undefined;
  /** The latest write asked for, settled or not: the next one begins after it. */
  #last: Promise<void> = Promise.resolve();

  /**
   * Resolves once a write that begins after this call has succeeded; `write` runs only when no
   * write is waiting to begin (else that one serves this caller too), and must gather then
   * everything asked for so far.
   */
  join(write: () => Promise<void>): Promise<void> {
    if (this.#queued !== undefined) return this.#queued;
    const queued = this.#last.then(() => {
      this.#queued = undefined;
      return write();
    });
    this.#queued = queued;
    this.#last = queued.catch(() => undefined);
    return queued;
  }

  /** Resolves once every write asked for so far has settled (never rejects). */
  settled(): Promise<void> {
    return this.#last;
  }
}
