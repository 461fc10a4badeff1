/**
 * A kernel's clean exit, step by step: stop redialing, tell monitors, close subscriptions, close
 * the listeners (live channels may finish their calls), and on every link let the calls it is
 * handling finish, say BYE and wait for it to close, each within the grace period; links still
 * open after that are destroyed.
 */
import { ClusterError } from './errors.js';
import type { Link } from './link.js';
import type { Listener } from './listener.js';
import type { Membership } from './membership.js';
import type { MonitorRegistry } from './monitor.js';
import type { Subscriptions } from './subscriptions.js';

/** How often a link's calls in flight are checked while waiting for them. */
const IDLE_POLL_MS = 10;

/** What the shutdown closes. */
export interface ShutdownParts {
  readonly membership: Membership;
  readonly monitors: MonitorRegistry;
  readonly subscriptions: Subscriptions;
  readonly listeners: Iterable<Listener>;
  /** Every link, handshaking or ready; links leave the set as they close. */
  readonly links: ReadonlySet<Link>;
  /** Calls from `link` being handled now. */
  readonly inflight: (link: Link) => number;
}

export async function shutdownKernel(
  parts: ShutdownParts,
  reason: string,
  graceMs: number,
): Promise<void> {
  parts.membership.close();
  parts.monitors.emit('shutdown', undefined, { reason });
  parts.subscriptions.close();
  const waitIdle = (link: Link): Promise<void> => waitForCalls(parts.inflight, link, graceMs);
  const steps: Promise<unknown>[] = [...parts.listeners].map((l) => l.close({ graceMs, waitIdle }));
  for (const link of [...parts.links]) steps.push(closeLink(link, reason, parts.inflight, graceMs));
  await Promise.allSettled(steps);
  for (const link of parts.links) link.destroy(new ClusterError('SHUTDOWN', reason));
}

/**
 * Closes one link cleanly (a shutdown, or `Kernel.disconnect`): lets the calls it is handling
 * answer, says BYE behind what is queued, and waits for the close; each wait within `graceMs`.
 */
export async function closeLink(
  link: Link,
  reason: string,
  inflight: (link: Link) => number,
  graceMs: number,
): Promise<void> {
  await waitForCalls(inflight, link, graceMs);
  link.close(reason);
  await waitClosed(link, graceMs);
}

/** Resolves once `link` has no call in flight, or after `graceMs`. */
async function waitForCalls(
  inflight: (link: Link) => number,
  link: Link,
  graceMs: number,
): Promise<void> {
  const until = Date.now() + graceMs;
  while (inflight(link) > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
  }
}

async function waitClosed(link: Link, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    link.closed,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
