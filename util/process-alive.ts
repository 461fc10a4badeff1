/** Whether a process exists: the one check the data-folder lock and its stale-holder takeover share. */

/** True while a process with this pid exists (one of another user's counts: `EPERM`). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
