/**
 * The last line of defence: when the process exits or is interrupted before a bed was disposed
 * (a test threw past its `await using`, the runner timed the file out, Ctrl-C), every live bed
 * is torn down synchronously — `ip` commands, no promises — before the process goes. Only
 * SIGKILL of the test process escapes this; the sweep at the next bed's start catches that.
 */

type Teardown = () => void;

const live = new Map<string, Teardown>();
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;

function runAll(): void {
  for (const [id, teardown] of [...live]) {
    live.delete(id);
    try {
      teardown();
    } catch (err) {
      console.error(`# hosts: tearing down ${id} at exit failed: ${(err as Error).message}`);
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  uninstall();
  // With our listener gone, the signal does what it would have done without us.
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', runAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/** Tears the bed `id` down at exit unless {@link forgetAtExit} is called first. */
export function tearDownAtExit(id: string, teardown: Teardown): void {
  live.set(id, teardown);
  install();
}

export function forgetAtExit(id: string): void {
  live.delete(id);
  if (live.size === 0) uninstall();
}
