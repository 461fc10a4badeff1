/**
 * The endpoint link's vocabulary: what an endpoint process and its node say to each other over
 * the cluster protocol (sessions, states, and the discriminated unions they carry), and the
 * environment a node hands a process it launches.
 */
import type { EndpointCounters, EndpointQueues } from '../endpoint/progress.js';
import type { LineageEvent } from '../endpoint/lineage.js';
import type { EndpointSettings } from '../config/config.js';
import type { EndpointMetricsMessage } from '../observability/endpoint-report.js';
import type { TransportState } from '../../transports/index.js';

/**
 * The node's session that endpoints report to (`report`, post) and ask (`config` and, standing
 * by warm, `lease`: calls).
 */
export const NODE_SESSION = 'aes-node';
/** The endpoint's session the node calls (`stop`: drain and exit; `status`). */
export const ENDPOINT_SESSION = 'aes-endpoint';

/** Environment of a launched endpoint process. The token never travels on the command line. */
export const ENV_NODE_SOCKET = 'AES_NODE_SOCKET';
export const ENV_NODE_NAME = 'AES_NODE_NAME';
export const ENV_ENDPOINT_NAME = 'AES_ENDPOINT_NAME';
export const ENV_ENDPOINT_TOKEN = 'AES_ENDPOINT_TOKEN';

/**
 * How long an endpoint waits for a silent node before it drains and exits. A node that dies
 * closes the socket at once; silence only means a loaded machine.
 */
export const LINK_HEARTBEAT_TIMEOUT_MS = 30_000;

/**
 * How long a node lets an endpoint's link be silent before closing it: as long as the endpoint
 * waits for its node, and never less than the node's own supervision waits for the endpoint
 * (its start and hang limits). An endpoint that is busy for seconds (a large entry module
 * loading, a long synchronous step, a loaded machine) is judged by its hang detection, which
 * restarts it visibly, not cut off by the cluster's 2 s heartbeat timeout.
 */
export function nodeLinkTimeoutMs(
  settings: Pick<EndpointSettings, 'hangLimitMs' | 'startLimitMs'>,
): number {
  return Math.max(LINK_HEARTBEAT_TIMEOUT_MS, settings.hangLimitMs, settings.startLimitMs);
}

/** The kernel name of endpoint `endpoint` on node `node`; node names never hold `@`. */
export function endpointKernelName(endpoint: string, node: string): string {
  return `${endpoint}@${node}`;
}

/** The endpoint name inside an endpoint kernel name of `node`, or `undefined`. */
export function endpointOfKernel(kernel: string, node: string): string | undefined {
  const suffix = `@${node}`;
  return kernel.endsWith(suffix) && kernel.length > suffix.length
    ? kernel.slice(0, -suffix.length)
    : undefined;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * What an endpoint posts to `aes-node/report`. Metric snapshots are checked field by field by
 * the node's `EndpointMetricsMerger`, not here.
 */
export type EndpointReport =
  | EndpointMetricsMessage
  | {
      readonly kind: 'heartbeat';
      readonly atMs: number;
      readonly counters: EndpointCounters;
      readonly lastError: string | null;
      /**
       * This process's records done when its last error happened (absent from endpoints of
       * earlier releases): more done now means it recovered, whatever the order in one beat.
       */
      readonly doneAtLastError?: number;
      /** The process's pid: a new one tells the node to add its counters to the earlier ones. */
      readonly pid?: number;
      /** The queues it works with (absent from endpoints of earlier releases). */
      readonly queues?: EndpointQueues;
    }
  | {
      readonly kind: 'progress';
      readonly step: string;
      readonly sinceMs: number;
      readonly ids: readonly string[] | null;
    }
  | {
      readonly kind: 'log';
      readonly level: LogLevel;
      readonly msg: string;
      readonly fields: Readonly<Record<string, unknown>>;
    }
  | EndpointBrokerReport
  | EndpointLineageReport
  | EndpointStandbyReport;

/**
 * A warm standby's sign of life (`EndpointLaunchConfig.standby`), sent once its entry module is
 * loaded and while it waits for its node's lease. Supervision counts it as a heartbeat; it
 * carries no counters, as no endpoint runs yet.
 */
export interface EndpointStandbyReport {
  readonly kind: 'standby';
  readonly atMs: number;
}

/**
 * Steps of records, batched (runtime/link/lineage-batcher.ts). Each event is checked by the
 * node's lineage index, which drops those that are not well-formed.
 */
export interface EndpointLineageReport {
  readonly kind: 'lineage';
  readonly events: readonly LineageEvent[];
  /** Events the endpoint dropped since the last report (its queue was full: the node is slow). */
  readonly dropped: number;
  /** Events in reports the link could not take (down) since the last report that went. */
  readonly lost: number;
}

/**
 * The endpoint's connection to its broker: sent when its state changes, and again with the
 * error of each failed attempt while it connects or reconnects.
 */
export interface EndpointBrokerReport {
  readonly kind: 'broker';
  readonly state: TransportState;
  /** The broker URL concerned, credentials removed. */
  readonly url: string;
  /** Why the last attempt failed or the connection was lost, if it was an error. */
  readonly error: string | null;
  /** When, by the endpoint's clock (the node's machine). */
  readonly atMs: number;
}

const TRANSPORT_STATES: ReadonlySet<string> = new Set<TransportState>([
  'idle',
  'connecting',
  'connected',
  'reconnecting',
  'closed',
]);

/** What the node answers to `aes-node/config`. */
export interface EndpointLaunchConfig {
  readonly endpoint: string;
  readonly node: string;
  /** The entry module (absolute path). */
  readonly module: string;
  /** The endpoint's own data folder (absolute). */
  readonly dataDir: string;
  readonly brokerUrls: readonly string[];
  readonly settings: EndpointSettings;
  /**
   * Set when the node places endpoints by lease (`coordination.leaseMs`): once the node is lost,
   * a standby may start this endpoint when the node's lease expires, so it must be gone sooner.
   */
  readonly leaseMs?: number;
  /**
   * Set when the node starts the endpoint holding its lease: the engine's URL (with its
   * credentials: the link is the node's own, authenticated), the lease key and its fencing token
   * (a decimal string). The endpoint keeps its journal or delivery records there.
   */
  readonly fence?: {
    readonly url: string;
    readonly key: string;
    readonly token: string;
    /** `shared` mode: the claims ledger the endpoint's instances share (absent otherwise). */
    readonly ledger?: string;
  };
  /**
   * Set when the node does not hold the lease and keeps a warm standby (`coordination
   * .warmStandby`): the process loads its entry module and connects to the engine (`url`), then
   * asks `lease` until its node holds the lease and answers with the config to run under it.
   */
  readonly standby?: { readonly url: string };
}

/**
 * What the node answers to `aes-node/lease`: the launch config with its fence once this node
 * holds the endpoint's lease, or `null` after a wait of at most `LEASE_WAIT_MS` (ask again).
 */
export interface EndpointLeaseAnswer {
  readonly config: EndpointLaunchConfig | null;
}

/** How long the node holds a warm standby's `lease` call before answering `null`: 5 s. */
export const LEASE_WAIT_MS = 5_000;

const LEVELS: ReadonlySet<string> = new Set(['debug', 'info', 'warn', 'error']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ consumes?, publishes?, deadLetter? }`, each a string when present. */
function isQueues(value: unknown): boolean {
  if (!isObject(value)) return false;
  return ['consumes', 'publishes', 'deadLetter'].every(
    (key) => value[key] === undefined || typeof value[key] === 'string',
  );
}

/** Checks a report from the wire; `undefined` for garbage (the node drops it). */
export function parseReport(value: unknown): EndpointReport | undefined {
  if (!isObject(value)) return undefined;
  switch (value.kind) {
    case 'heartbeat':
      if (typeof value.atMs !== 'number' || !isObject(value.counters)) return undefined;
      if (value.pid !== undefined && typeof value.pid !== 'number') return undefined;
      if (value.doneAtLastError !== undefined && typeof value.doneAtLastError !== 'number') {
        return undefined;
      }
      if (value.queues !== undefined && !isQueues(value.queues)) return undefined;
      return value as EndpointReport;
    case 'progress':
      if (typeof value.step !== 'string' || typeof value.sinceMs !== 'number') return undefined;
      return value as EndpointReport;
    case 'log':
      if (typeof value.level !== 'string' || !LEVELS.has(value.level)) return undefined;
      if (typeof value.msg !== 'string' || !isObject(value.fields)) return undefined;
      return value as EndpointReport;
    case 'broker':
      if (typeof value.state !== 'string' || !TRANSPORT_STATES.has(value.state)) return undefined;
      if (typeof value.url !== 'string' || typeof value.atMs !== 'number') return undefined;
      if (value.error !== null && typeof value.error !== 'string') return undefined;
      return value as EndpointReport;
    case 'lineage':
      if (!Array.isArray(value.events) || typeof value.dropped !== 'number') return undefined;
      if (typeof value.lost !== 'number') return undefined;
      return value as EndpointReport;
    case 'standby':
      if (typeof value.atMs !== 'number') return undefined;
      return value as EndpointReport;
    case 'metrics-snapshot':
    case 'metrics-retract':
      if (typeof value.endpoint !== 'string') return undefined;
      return value as EndpointReport;
    default:
      return undefined;
  }
}
