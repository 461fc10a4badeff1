/**
 * A second kernel claims the name of a linked one, with another incarnation: the same node
 * restarted before this kernel noticed its old link died (kill -9, power loss: no FIN, and the
 * heartbeat has not timed out yet), or another node configured with the same name. Names are all
 * a kernel proves (every node shares the secret), so the old link itself is asked: a ping on it.
 * A live peer answers within the deadline and the newcomer is refused `NAME_TAKEN`; a dead one
 * does not, and the newcomer replaces it once it has authenticated (the peer table closes the
 * old link then). The deadline is half the heartbeat timeout: a peer that busy is close to being
 * declared dead anyway, while a restart is let in about a second after it dials.
 */
import type { Link } from './link.js';

/** Why an old link was judged dead, for the unregister reason; undefined: it answered. */
export async function probeStale(link: Link, timeoutMs: number): Promise<string | undefined> {
  if (link.state !== 'ready') return `the old link was ${link.state}`;
  try {
    await link.ping({ timeoutMs });
    return undefined;
  } catch (err) {
    return `the old link did not answer a ping within ${timeoutMs} ms (${(err as Error).message})`;
  }
}

/** The probe's deadline for links whose silence limit is `heartbeatTimeoutMs`. */
export function staleProbeTimeoutMs(heartbeatTimeoutMs: number): number {
  return Math.max(100, Math.floor(heartbeatTimeoutMs / 2));
}
