/**
 * Waiting in tests, always with a deadline: the one polling loop behind every suite's `waitFor` /
 * `waitUntil`, and `within` for a promise.
 */

/**
 * Resolves once `check()` holds (polled every 10 ms); rejects after `timeoutMs` with
 * `timed out after <ms> ms waiting for <what>`. An error thrown by `check` rejects at once.
 */
export async function pollUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Resolves or rejects as `p` does, unless `timeoutMs` passes first: then rejects with
 * `timed out after <ms> ms: <what>` (a test must never wait on a promise without a deadline).
 */
export async function within<T>(what: string, p: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ProgressOptions<T> {
  /** Fails once this part of the sample has not changed for `stallMs`. @defaultValue the sample */
  readonly progress?: (sample: T) => unknown;
  /** How long without progress is a failure: generous, a loaded machine is slow, not stuck. */
  readonly stallMs: number;
  /** The deadline in all, progress or not. @defaultValue 5 × stallMs */
  readonly timeoutMs?: number;
  /** @defaultValue 50 */
  readonly intervalMs?: number;
  /** What the failure says about the last sample (e.g. with a log tail). @defaultValue JSON */
  readonly describe?: (sample: T) => string;
}

/**
 * Samples until `done(sample)` holds and resolves with that sample. Rather than one fixed
 * deadline, which a slow machine overruns while the work still moves, it fails when the sample's
 * `progress` has not changed for `stallMs` (or after `timeoutMs` in all), with
 * `no progress for <ms> ms waiting for <what>; last seen: <sample>`. An error thrown by
 * `sample` rejects at once.
 */
export async function pollWhileProgressing<T>(
  what: string,
  sample: () => T | Promise<T>,
  done: (sample: T) => boolean,
  options: ProgressOptions<T>,
): Promise<T> {
  const progressOf = options.progress ?? ((s: T) => s);
  const describe = options.describe ?? ((s: T) => JSON.stringify(s));
  const timeoutMs = options.timeoutMs ?? 5 * options.stallMs;
  const deadline = Date.now() + timeoutMs;
  let last = await sample();
  let lastProgress = JSON.stringify(progressOf(last));
  let movedAt = Date.now();
  while (!done(last)) {
    const now = Date.now();
    if (now - movedAt > options.stallMs) {
      throw new Error(
        `no progress for ${now - movedAt} ms waiting for ${what}; last seen: ${describe(last)}`,
      );
    }
    if (now > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${describe(last)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
    last = await sample();
    const progress = JSON.stringify(progressOf(last));
    if (progress !== lastProgress) {
      lastProgress = progress;
      movedAt = Date.now();
    }
  }
  return last;
}
