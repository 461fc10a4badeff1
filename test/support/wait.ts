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
