/**
 * What placement by lease asks of a node's supervisor (`PlacementHost`): run an endpoint once
 * the node holds its lease — handing the lease to its warm standby when one waits, starting its
 * process otherwise —, stop it when the lease is lost, and keep a warm standby while another
 * node holds the lease (`coordination.warmStandby`).
 */
import type { Supervisor } from '../supervisor/supervisor.js';
import type { LeaseWaits } from './lease-waits.js';
import type { PlacementHost } from './placement.js';

export interface PlacementHostParts {
  readonly supervisor: Supervisor;
  readonly leaseWaits: LeaseWaits;
  /** True when endpoint `name` stands by warm on this node. */
  readonly warm: (name: string) => boolean;
}

export function placementHost(parts: PlacementHostParts): PlacementHost {
  const { supervisor, leaseWaits } = parts;
  return {
    start: async (name) => {
      // A warm standby waiting gets its config now; a process not running at all starts (and
      // gets it when it asks); one still loading asks once loaded and gets it at once.
      leaseWaits.wake(name);
      await supervisor.get(name)?.start();
    },
    stop: (name, killAfterMs) => supervisor.get(name)?.stop(killAfterMs) ?? Promise.resolve(),
    standBy: async (name, keep) => {
      const process = supervisor.get(name);
      if (process === undefined || !parts.warm(name)) return;
      // Only from `stopped`: a quarantined standby (`failed`) waits for a hand, or the lease.
      if (keep && process.state === 'stopped') await process.start();
      else if (!keep && /^(starting|running|backoff)$/.test(process.state)) await process.stop();
    },
  };
}
