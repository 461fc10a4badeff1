/**
 * The multi-host test bed (issue 15): hosts as network namespaces on one machine, `aes run` on
 * them as an operator would start it, and a nemesis that injects faults and heals them. See
 * docs/testing.md.
 */
export { HostBed, DEFAULT_ROOT, DEFAULT_SUBNET, type HostBedOptions } from './bed.js';
export { Host, type ExecOnHostOptions, type RunOnHostOptions } from './host.js';
export {
  NodeProcess,
  DEFAULT_STOP_TIMEOUT_MS,
  type LogLine,
  type NodeExit,
  type NodeProcessOptions,
} from './node-process.js';
export {
  Nemesis,
  type Fault,
  type LossDirection,
  type LossOptions,
  type NemesisEvent,
} from './nemesis.js';
export { everyPair, lastLogged, meshInLogs, peerLine, timeOf, type PeerPair } from './log-times.js';
export { DelayRelay, type DelayRelayOptions } from './relay.js';
export { AES_CLI, PROBE_MAIN, TSX } from './paths.js';
export {
  bedUnavailableReason,
  CommandError,
  hostsSkipReason,
  sweepLeftovers,
  type CommandResult,
} from './system.js';
export { HostSource, HostTarget, type HostRequest } from './business-systems.js';
export { HostEtcd } from './host-etcd.js';
export {
  isWhole,
  reportsDown,
  statusOf,
  waitStatus,
  STATUS_TIMEOUT_MS,
  type Status,
  type StatusEntry,
  type RefusalEntry,
  type StatusJson,
} from './cluster-status.js';
export {
  writeBrokerNodeConfig,
  writeEndpoint,
  writeNodeConfig,
  SHARED_BROKER_PORT,
  CLUSTER_PORT,
  HTTP_PORT,
  type HostNodeConfig,
} from './node-config.js';
