/**
 * Whether the message store can write: the last journal write or LMDB commit failed (a full
 * disk, a quota, an I/O error) until the next one succeeds. A SEND whose write failed is refused
 * with an ERROR frame that says why; nothing receipted is lost (the journal keeps what LMDB could
 * not commit), and the broker takes SENDs again by itself once a write succeeds — space freed.
 * The node shows a failing store in `aes status` and `/readyz`, and as
 * `aes_broker_store_failing` and `aes_broker_store_failures_total`.
 */

/** The store's failure while it lasts. */
export interface StoreFailure {
  /** The system error code (`ENOSPC`, `EDQUOT`, `EIO`, …), or null. */
  readonly code: string | null;
  /** What failed, for people: `disk full (no space left on device) in DIR`. */
  readonly message: string;
  /** When the first failure of this run of failures happened (ms since the epoch). */
  readonly sinceMs: number;
}

/** The system error code of `err` or of one of its causes. */
export function systemCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth += 1) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    e = e.cause;
  }
  return undefined;
}

/** Why the store in `dir` could not write, for people. */
export function describeStoreFailure(err: unknown, dir: string): string {
  const code = systemCode(err);
  switch (code) {
    case 'ENOSPC':
      return `disk full (no space left on device) in ${dir}`;
    case 'EDQUOT':
      return `disk quota exceeded in ${dir}`;
    case 'EROFS':
      return `${dir} is on a read-only file system`;
    case 'EIO':
      return `I/O error writing ${dir}`;
    default:
      return `cannot write ${dir}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

export class StoreHealth {
  #failure: StoreFailure | undefined;
  #failures = 0;

  constructor(
    private readonly dir: string,
    /** Told when writes begin to fail, and when they succeed again; must not throw. */
    private readonly onChange?: (failure: StoreFailure | undefined) => void,
  ) {}

  /** A write failed with `err`. */
  failed(err: unknown): void {
    this.#failures += 1;
    if (this.#failure !== undefined) return;
    this.#failure = {
      code: systemCode(err) ?? null,
      message: describeStoreFailure(err, this.dir),
      sinceMs: Date.now(),
    };
    this.onChange?.(this.#failure);
  }

  /** A write succeeded: the store is healthy again. */
  succeeded(): void {
    if (this.#failure === undefined) return;
    this.#failure = undefined;
    this.onChange?.(undefined);
  }

  /** The failure while it lasts; undefined while writes succeed. */
  get failure(): StoreFailure | undefined {
    return this.#failure;
  }

  /** Failed writes so far (journal writes and LMDB commits). */
  get failures(): number {
    return this.#failures;
  }
}
