/**
 * One endpoint's line of `aes status` and `/status.json`, from the supervisor's view of its
 * process, what the node keeps of it and its lease. Its counters are summed over every process
 * the node ran for it (see `lifetime-counters.ts`); its last error is the one it has not
 * recovered from (see `endpoint-activity.ts`): while its process runs, an error it has since
 * done records after is no longer shown; while it waits for a restart, is quarantined or
 * stopped, the supervisor's last error stays. An endpoint whose lease another node holds is
 * `standby`; its process, when one runs, is a warm standby.
 */
import type { EndpointState } from '../supervisor/lifecycle.js';
import type { EndpointProcessSnapshot } from '../supervisor/endpoint-process.js';
import { brokerStatus } from './broker-health.js';
import type { Managed } from './managed-endpoint.js';
import type { EndpointLeaseStatus } from './placement.js';
import type { EndpointStatus } from './status.js';

/** States in which the endpoint's process runs (or starts). */
const LIVE_STATES: ReadonlySet<string> = new Set<EndpointState>([
  'starting',
  'running',
  'stopping',
]);

export function endpointStatus(
  node: string,
  s: EndpointProcessSnapshot,
  managed: Managed | undefined,
  lease: EndpointLeaseStatus | undefined,
  warm: boolean,
  nowMs: number,
): EndpointStatus {
  // Whatever its process does (a warm standby starting, waiting, restarting or quarantined), an
  // endpoint another node holds is a standby here; one that stops after losing the lease says so.
  const standby =
    lease?.role === 'standby' && lease.desired !== 'stopped' && s.state !== 'stopping';
  return {
    name: s.name,
    node,
    state: managed?.attached === true ? 'attached' : standby ? 'standby' : s.state,
    ...(lease === undefined
      ? {}
      : { lease: standby && warm ? { ...lease, warm: true as const } : lease }),
    pid: s.pid ?? null,
    restarts: s.restarts,
    lastError: LIVE_STATES.has(s.state)
      ? (managed?.activity.unrecovered() ?? null)
      : (s.lastError ?? managed?.lastError ?? null),
    step: s.step ?? null,
    stepAgeMs: s.stepAgeMs ?? null,
    counters: managed?.counters ?? null,
    broker: brokerStatus(managed?.broker ?? null, nowMs),
  };
}

/**
 * What a node does when an endpoint's process changes state: a process that is gone holds no
 * broker connection (the next one reports its own) and no record; an unrequested death (a
 * crash, a hang kill, a failed spawn) is the endpoint's last error until it delivers again.
 */
export function processStateChanged(managed: Managed, to: EndpointState, nowMs: number): void {
  if (to === 'running' || to === 'stopping') return;
  managed.broker = null;
  const died = to === 'backoff' || to === 'failed';
  managed.activity.exited(died ? managed.process.snapshot().lastError : undefined, nowMs);
}
