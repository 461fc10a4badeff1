/**
 * The entry of `coordination/`: leases with fencing tokens and fenced writes on etcd or
 * PostgreSQL, chosen by URL. Not a package subpath yet: the node will use it for issue 16
 * (endpoints that survive their node); nothing here is public API until an entry re-exports it.
 */
export type * from './coordinator.js';
export {
  DEFAULT_COORDINATION_NAMESPACE,
  DEFAULT_LEASE_TTL_MS,
  MEMBERS_PER_STEP,
} from './coordinator.js';
export * from './errors.js';
export { campaign } from './campaign.js';
export { openCoordinator, redactCoordinationUrl } from './open-coordinator.js';
export { DEFAULT_COORDINATION_TIMEOUT_MS } from './coordinator-base.js';
