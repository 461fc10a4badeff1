/** Polling for test conditions: the one loop behind every suite's `waitFor` / `waitUntil`. */

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
