/**
 * One endpoint's line of `aes status` and `/status.json`, from the supervisor's view of its
 * process, what the node keeps of it and its lease. Its counters are summed over every process
 * the node ran for it (see `lifetime-counters.ts`).
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
  nowMs: number,
): EndpointStatus {
  const standby = lease?.role === 'standby' && s.state === 'stopped' && lease.desired !== 'stopped';
  return {
    name: s.name,
    node,
    state: managed?.attached === true ? 'attached' : standby ? 'standby' : s.state,
    ...(lease === undefined ? {} : { lease }),
    pid: s.pid ?? null,
    restarts: s.restarts,
    lastError: s.lastError ?? managed?.lastError ?? null,
    step: s.step ?? null,
    stepAgeMs: s.stepAgeMs ?? null,
    counters: managed?.counters ?? null,
    broker: brokerStatus(managed?.broker ?? null, nowMs),
  };
}

/** The process's exit as an error for the console, or undefined for a clean exit. */
export function exitError(code: number | null, signal: NodeJS.Signals | null): string | undefined {
  if (signal !== null) return `exited: killed by ${signal}`;
  return code === 0 || code === null ? undefined : `exited: code ${code}`;
}
