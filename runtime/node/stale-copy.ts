/**
 * A launched endpoint takes its data folder over from a stale copy of itself.
 *
 * A node launches a copy of an endpoint only when it runs none. If the folder's lock is held by a
 * live process all the same, that process is a copy the node no longer runs: orphaned by a node
 * that was killed, or hung in exit. Left alone it keeps the lock for ever, and every new copy
 * fails with "held by process N" — the inbound side of a pipeline stopped so until someone killed
 * the holder by hand. So the new copy ends it: SIGTERM (it drains its record in flight), SIGKILL
 * when it has not exited within the drain timeout, and takes the lock only once it is gone —
 * never two live copies at once.
 *
 * Only a process proven to be a copy of this endpoint of this node is touched: its environment
 * (`/proc/<pid>/environ`) must name the same endpoint and node, as a launched copy's does. A pid
 * reused by another program, a copy run by hand (`aes endpoint run`, which carries no such
 * environment) or anything unreadable is left alone, and the lock refuses as before.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from '../../util/index.js';
import { ENV_ENDPOINT_NAME, ENV_NODE_NAME } from '../link/protocol.js';
import type { Logger } from './logger.js';

/** After SIGKILL, how long the holder may take to be gone before the lock is left to refuse: 5 s. */
const KILL_WAIT_MS = 5_000;
const POLL_MS = 50;

export interface StaleCopyOptions {
  /** The endpoint's data folder; its lock file is `lock` in it. */
  readonly dataDir: string;
  readonly endpoint: string;
  readonly node: string;
  /** How long the stale copy may drain after SIGTERM before SIGKILL. */
  readonly drainTimeoutMs: number;
  readonly log: Logger;
}

/** What happened to a holder of the lock. */
export type StaleCopyOutcome =
  'none' | 'not-a-copy' | 'ended-by-term' | 'ended-by-kill' | 'still-alive';

/**
 * Ends a live stale copy of this endpoint holding its data folder's lock, if there is one.
 * Resolves once it is gone (or when there is nothing to do, or nothing it may touch).
 */
export async function endStaleCopy(options: StaleCopyOptions): Promise<StaleCopyOutcome> {
  const pid = await lockHolder(join(options.dataDir, 'lock'));
  if (pid === undefined || pid === process.pid || !isRunning(pid)) return 'none';
  const env = await environmentOf(pid);
  if (env?.get(ENV_ENDPOINT_NAME) !== options.endpoint || env.get(ENV_NODE_NAME) !== options.node) {
    return 'not-a-copy';
  }
  options.log.warn(
    `the data folder is held by process ${pid}, a copy of this endpoint that its node no longer runs (orphaned, or hung at exit); ending it`,
    { pid, dataDir: options.dataDir },
  );
  signal(pid, 'SIGTERM');
  if (await gone(pid, options.drainTimeoutMs)) {
    options.log.warn(`stale copy ${pid} exited after SIGTERM; taking the data folder over`, {
      pid,
    });
    return 'ended-by-term';
  }
  signal(pid, 'SIGKILL');
  if (await gone(pid, KILL_WAIT_MS)) {
    options.log.warn(
      `stale copy ${pid} did not exit within ${options.drainTimeoutMs} ms of SIGTERM; killed it, taking the data folder over`,
      { pid },
    );
    return 'ended-by-kill';
  }
  options.log.error(
    `stale copy ${pid} is still alive after SIGKILL; the data folder stays locked`,
    {
      pid,
    },
  );
  return 'still-alive';
}

async function lockHolder(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The process's environment at its start, or undefined when it cannot be read. */
async function environmentOf(pid: number): Promise<Map<string, string> | undefined> {
  const raw = await readFile(`/proc/${pid}/environ`).catch(() => undefined);
  if (raw === undefined) return undefined;
  const env = new Map<string, string>();
  for (const entry of raw.toString('utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already.
  }
}

/** Alive and not a zombie (a zombie has exited; it only waits for its parent to reap it). */
function isRunning(pid: number): boolean {
  return isAlive(pid) && !isZombie(pid);
}

function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // The state is the field after the parenthesised command name (which may hold spaces).
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  return state === 'Z' || state === 'X';
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  for (;;) {
    if (!isRunning(pid)) return true;
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
