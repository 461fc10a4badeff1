/** Processes the tests start, looked at from outside. */

/** True while a process with this pid exists (signal 0 reaches it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
