/**
 * One endpoint's row of `aes status`, from what its node knows: the supervisor's view of its
 * process, what the process last reported, and — placed by lease — its lease. An endpoint whose
 * lease another node holds is `standby`; its process, when one runs, is a warm standby.
 */
import type { EndpointProcessSnapshot } from '../supervisor/endpoint-process.js';
import { brokerStatus } from './broker-health.js';
import type { Managed } from './managed-endpoint.js';
import type { EndpointLeaseStatus } from './placement.js';
import type { EndpointStatus } from './status.js';

export function endpointStatus(
  node: string,
  s: EndpointProcessSnapshot,
  managed: Managed | undefined,
  lease: EndpointLeaseStatus | undefined,
  warm: boolean,
): EndpointStatus {
  const standby =
    lease?.role === 'standby' &&
    lease.desired !== 'stopped' &&
    (s.state === 'stopped' || s.state === 'starting' || s.state === 'running');
  return {
    name: s.name,
    node,
    state: managed?.attached === true ? 'attached' : standby ? 'standby' : s.state,
    ...(lease === undefined
      ? {}
      : { lease: standby && warm ? { ...lease, warm: true as const } : lease }),
    pid: s.pid ?? null,
    restarts: s.restarts,
    lastError: s.lastError ?? managed?.lastError ?? null,
    step: s.step ?? null,
    stepAgeMs: s.stepAgeMs ?? null,
    counters: managed?.counters ?? null,
    broker: brokerStatus(managed?.broker ?? null, Date.now()),
  };
}
