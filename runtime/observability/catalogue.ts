/**
 * The single source of aes's metric names. Every metric a node exposes on `/metrics` is declared
 * here — name, type, help, unit, labels and, where a label takes a fixed set of values, that set —
 * and the collectors, docs/metrics.md and the Grafana dashboard's test all read this list.
 *
 * Conventions (Prometheus'): the `aes_` prefix, base units (seconds, bytes), counters end in
 * `_total`, durations are `_seconds` histograms. Labels are bounded: the free-form ones
 * (`endpoint`, `operation`, `queue`) are bounded by the project's configuration, never by data.
 * The node's name is not a metric label: Prometheus adds it as the `node` target label from the
 * service discovery document (see `service-discovery.ts`).
 */
import { ERROR_CODES } from '../../cluster/index.js';
import {
  CALL_BUCKETS_S,
  CONFIRM_BUCKETS_S,
  FSYNC_BUCKETS_S,
  RECORD_LATENCY_BUCKETS_S,
} from './buckets.js';

export { CALL_BUCKETS_S, CONFIRM_BUCKETS_S, FSYNC_BUCKETS_S, RECORD_LATENCY_BUCKETS_S };

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Which process produces the metric: the node itself, or an endpoint process (merged at the node). */
export type MetricSource = 'node' | 'endpoint';

export type MetricGroup = 'node' | 'cluster' | 'endpoint' | 'transport' | 'broker';

export interface LabelSpec {
  readonly name: string;
  /** What the label means and what bounds it. */
  readonly help: string;
  /** The only values it takes, when the set is fixed. */
  readonly values?: readonly string[];
}

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly group: MetricGroup;
  readonly source: MetricSource;
  readonly help: string;
  /** Base unit of the value, when it has one. */
  readonly unit?: 'seconds' | 'bytes';
  readonly labels: readonly LabelSpec[];
  /** Histogram buckets, in the metric's unit. */
  readonly buckets?: readonly number[];
}

/** Supervisor states of an endpoint (`EndpointState` in runtime/supervisor/lifecycle.ts). */
export const ENDPOINT_STATES = [
  'starting',
  'running',
  'stopping',
  'backoff',
  'failed',
  'stopped',
] as const;
/**
 * Why a step of a record's lineage never reached the node's index: the endpoint's queue of steps
 * was full (the node took them too slowly) and it dropped the oldest; a report could not be sent
 * (the link to the node was down); the node refused it as not well-formed; the node had no index
 * (it did not open, or was closing); writing it to the index failed.
 */
export const LINEAGE_DROP_REASONS = [
  'endpoint-queue-full',
  'link-down',
  'malformed',
  'no-index',
  'write-failed',
] as const;
/** Counters of an endpoint (`EndpointCounters` in runtime/endpoint/progress.ts). */
export const ENDPOINT_EVENTS = [
  'popped',
  'published',
  'confirmed',
  'completed',
  'received',
  'delivered',
  'acked',
  'nacked',
  'deadLettered',
  'deduplicated',
  'confirmedDelivered',
  'possibleDuplicates',
  'errors',
] as const;
/** Steps of an endpoint (`EndpointStep`). */
export const ENDPOINT_STEPS = [
  'starting',
  'recover',
  'pop',
  'build',
  'publish',
  'journal',
  'popped',
  'lookup',
  'put',
  'record',
  'ack',
  'nack-delay',
  'dead-letter',
  'idle',
  'waiting',
  'retry-delay',
  'stopped',
] as const;
export const CALL_OUTCOMES = ['ok', 'error', 'timeout', 'aborted'] as const;
export const EXIT_KINDS = ['clean', 'error', 'signal'] as const;
export const HANG_KINDS = ['no-heartbeat', 'no-progress'] as const;
export const TRANSPORT_STATES = [
  'idle',
  'connecting',
  'connected',
  'reconnecting',
  'closed',
] as const;
export const TRANSPORT_SCHEMES = ['memory', 'stomp', 'stomp+ssl', 'mqtt', 'mqtts'] as const;
/**
 * Peer states as the cluster's membership sees them: linked, being redialed, or no longer
 * redialed (it left, or stayed unreachable for `forgetAfterMs`, and is listed until forgotten).
 */
export const PEER_STATES = ['connected', 'reconnecting', 'down'] as const;
export const HANDSHAKE_FAILURE_REASONS = [
  'timeout',
  'auth',
  'name_conflict',
  'closed_early',
] as const;
export const FRAME_TYPES = ['post', 'call', 'reply', 'control'] as const;
export const DIRECTIONS = ['in', 'out'] as const;
export const CLUSTER_CALL_OUTCOMES = ['ok', 'error', 'timeout'] as const;
/** Error codes of the cluster protocol: its own list, so the two cannot drift apart. */
export const CLUSTER_ERROR_CODES = ERROR_CODES;
/** At most this many queues get their own series; the rest are summed under `queue="_other"`. */
export const MAX_QUEUE_SERIES = 200;
export const OTHER_QUEUE = '_other';
/** At most this many operations per endpoint get their own series; the rest are `_other`. */
export const MAX_OPERATION_SERIES = 32;
export const OTHER_OPERATION = '_other';

const ENDPOINT: LabelSpec = {
  name: 'endpoint',
  help: "the endpoint's name: bounded by the endpoints folder",
};
const OPERATION: LabelSpec = {
  name: 'operation',
  help: `the web-service operation: bounded by the WSDL (\`pop\`, \`build\`, \`popped\`, \`put\`, …); at most ${MAX_OPERATION_SERIES} per endpoint, the rest as \`${OTHER_OPERATION}\``,
};
const TRANSPORT: LabelSpec = {
  name: 'transport',
  help: "the transport's URL scheme",
  values: TRANSPORT_SCHEMES,
};
const QUEUE: LabelSpec = {
  name: 'queue',
  help: `the broker destination; at most ${MAX_QUEUE_SERIES} queues, the rest as \`${OTHER_QUEUE}\``,
};
const DIRECTION: LabelSpec = { name: 'direction', help: 'traffic direction', values: DIRECTIONS };

function spec(s: MetricSpec): MetricSpec {
  return s;
}

/** Every aes metric, in the order docs/metrics.md lists them. */
export const METRICS: readonly MetricSpec[] = [
  // node
  spec({
    name: 'aes_node_info',
    type: 'gauge',
    group: 'node',
    source: 'node',
    help: "Always 1; the node's name and aes version as labels.",
    labels: [
      { name: 'name', help: "the node's name (one per node)" },
      { name: 'version', help: 'the aes package version' },
    ],
  }),
  spec({
    name: 'aes_node_endpoint_reports_total',
    type: 'counter',
    group: 'node',
    source: 'node',
    help: 'Metric snapshots received from endpoint processes, by outcome.',
    labels: [
      ENDPOINT,
      { name: 'outcome', help: 'merged, or rejected as malformed', values: ['merged', 'rejected'] },
    ],
  }),
  spec({
    name: 'aes_node_broker_up',
    type: 'gauge',
    group: 'node',
    source: 'node',
    help: "1 while the node's broker is usable (embedded: listening; external: reachable), 0 while not; absent until known. /readyz says why.",
    labels: [],
  }),
  // cluster
  spec({
    name: 'aes_cluster_peers',
    type: 'gauge',
    group: 'cluster',
    source: 'node',
    help: 'Peer kernels by state.',
    labels: [{ name: 'state', help: 'membership state of the peer', values: PEER_STATES }],
  }),
  spec({
    name: 'aes_cluster_links',
    type: 'gauge',
    group: 'cluster',
    source: 'node',
    help: 'Open kernel links: peer nodes and local endpoint processes.',
    labels: [],
  }),
  spec({
    name: 'aes_cluster_connections_total',
    type: 'counter',
    group: 'cluster',
    source: 'node',
    help: 'Incoming connections, accepted or refused at the concurrency limit.',
    labels: [{ name: 'outcome', help: 'what the listener did', values: ['accepted', 'refused'] }],
  }),
  spec({
    name: 'aes_cluster_handshakes_total',
    type: 'counter',
    group: 'cluster',
    source: 'node',
    help: 'Handshakes completed.',
    labels: [],
  }),
  spec({
    name: 'aes_cluster_handshake_failures_total',
    type: 'counter',
    group: 'cluster',
    source: 'node',
    help: 'Handshakes that failed, by reason.',
    labels: [
      {
        name: 'reason',
        help: 'timeout, auth (wrong secret), name_conflict (name taken), closed_early (peer hung up)',
        values: HANDSHAKE_FAILURE_REASONS,
      },
    ],
  }),
  spec({
    name: 'aes_cluster_frames_total',
    type: 'counter',
    group: 'cluster',
    source: 'node',
    help: 'Frames by direction and type; `control` is every other frame received (handshake, heartbeat, subscribe, …). Sent frames are counted for post and call only.',
    labels: [DIRECTION, { name: 'type', help: 'frame type', values: FRAME_TYPES }],
  }),
  spec({
    name: 'aes_cluster_bytes_total',
    type: 'counter',
    group: 'cluster',
    source: 'node',
    unit: 'bytes',
    help: 'Bytes on kernel links, by direction.',
    labels: [DIRECTION],
  }),
  spec({
    name: 'aes_cluster_errors_total',
    type: 'counter',
    group: 'cluster',
    source: 'node',
    help: 'Cluster protocol errors, by code (docs/protocol.md).',
    labels: [{ name: 'code', help: 'the protocol error code', values: CLUSTER_ERROR_CODES }],
  }),
  spec({
    name: 'aes_cluster_call_duration_seconds',
    type: 'histogram',
    group: 'cluster',
    source: 'node',
    unit: 'seconds',
    help: 'Duration of calls to other kernels, by outcome.',
    labels: [{ name: 'outcome', help: 'how the call ended', values: CLUSTER_CALL_OUTCOMES }],
    buckets: CONFIRM_BUCKETS_S,
  }),
  spec({
    name: 'aes_cluster_backpressure_waits_total',
    type: 'counter',
    group: 'cluster',
    source: 'node',
    help: "Sends that waited because a link's write queue was over its high-water mark.",
    labels: [],
  }),
  spec({
    name: 'aes_cluster_backpressure_wait_seconds',
    type: 'histogram',
    group: 'cluster',
    source: 'node',
    unit: 'seconds',
    help: "How long sends waited for a link's write queue to drain.",
    labels: [],
    buckets: CONFIRM_BUCKETS_S,
  }),
  spec({
    name: 'aes_cluster_queue_full_total',
    type: 'counter',
    group: 'cluster',
    source: 'node',
    help: "Messages refused because a link's queue was full.",
    labels: [],
  }),
  // endpoints, as the node's supervisor sees them
  spec({
    name: 'aes_endpoint_state',
    type: 'gauge',
    group: 'endpoint',
    source: 'node',
    help: "1 for the endpoint's current supervisor state, 0 for the others.",
    labels: [ENDPOINT, { name: 'state', help: 'supervisor state', values: ENDPOINT_STATES }],
  }),
  spec({
    name: 'aes_endpoint_restarts_total',
    type: 'counter',
    group: 'endpoint',
    source: 'node',
    help: 'Times the endpoint process was started again after it exited, hung or was restarted by hand.',
    labels: [ENDPOINT],
  }),
  spec({
    name: 'aes_endpoint_quarantines_total',
    type: 'counter',
    group: 'endpoint',
    source: 'node',
    help: 'Times the endpoint entered state `failed` (crash loop quarantine).',
    labels: [ENDPOINT],
  }),
  spec({
    name: 'aes_endpoint_exits_total',
    type: 'counter',
    group: 'endpoint',
    source: 'node',
    help: 'Exits of the endpoint process, by kind.',
    labels: [
      ENDPOINT,
      { name: 'kind', help: 'exit code 0, another code, or a signal', values: EXIT_KINDS },
    ],
  }),
  spec({
    name: 'aes_endpoint_hangs_total',
    type: 'counter',
    group: 'endpoint',
    source: 'node',
    help: 'Hangs the supervisor detected (then it killed the process), by kind.',
    labels: [ENDPOINT, { name: 'kind', help: 'what was missing', values: HANG_KINDS }],
  }),
  spec({
    name: 'aes_endpoint_lineage_steps_dropped_total',
    type: 'counter',
    group: 'endpoint',
    source: 'node',
    help: "Steps of records' lineage that never reached the node's index (aes trace cannot show them), by reason: endpoint-queue-full (the endpoint held 20,000 unsent and dropped the oldest), link-down (a report could not be sent to the node), malformed, no-index (the index did not open or was closing), write-failed. Counted at the node; the endpoint's counts arrive with its next report.",
    labels: [
      ENDPOINT,
      { name: 'reason', help: 'why it was dropped', values: LINEAGE_DROP_REASONS },
    ],
  }),
  // endpoints, reported by the endpoint processes
  spec({
    name: 'aes_endpoint_events_total',
    type: 'counter',
    group: 'endpoint',
    source: 'endpoint',
    help: 'Endpoint records by event: popped, published, confirmed, completed (outbound); received, delivered, acked, nacked, deadLettered, deduplicated, confirmedDelivered (a put that may have reached the target unseen, confirmed by its lookup), possibleDuplicates (one put again without a lookup) (inbound); errors (failed attempts).',
    labels: [ENDPOINT, { name: 'event', help: 'the endpoint counter', values: ENDPOINT_EVENTS }],
  }),
  spec({
    name: 'aes_endpoint_call_duration_seconds',
    type: 'histogram',
    group: 'endpoint',
    source: 'endpoint',
    unit: 'seconds',
    help: 'Duration of web-service calls by operation and outcome.',
    labels: [
      ENDPOINT,
      OPERATION,
      { name: 'outcome', help: 'how the call ended', values: CALL_OUTCOMES },
    ],
    buckets: CALL_BUCKETS_S,
  }),
  spec({
    name: 'aes_endpoint_record_latency_seconds',
    type: 'histogram',
    group: 'endpoint',
    source: 'endpoint',
    unit: 'seconds',
    help: "Inbound: each record's time from its pop at the source (the aes-popped-at header, the outbound node's clock) to the target's acceptance (this node's clock; keep clocks in sync, e.g. NTP).",
    labels: [ENDPOINT],
    buckets: RECORD_LATENCY_BUCKETS_S,
  }),
  spec({
    name: 'aes_endpoint_step_age_seconds',
    type: 'gauge',
    group: 'endpoint',
    source: 'endpoint',
    unit: 'seconds',
    help: 'How long the endpoint has been in its current step: the in-flight age while working.',
    labels: [ENDPOINT, { name: 'step', help: 'the current step', values: ENDPOINT_STEPS }],
  }),
  spec({
    name: 'aes_endpoint_last_heartbeat_seconds',
    type: 'gauge',
    group: 'endpoint',
    source: 'endpoint',
    unit: 'seconds',
    help: "Unix time of the endpoint's last heartbeat.",
    labels: [ENDPOINT],
  }),
  // transports, in endpoint processes
  spec({
    name: 'aes_transport_state',
    type: 'gauge',
    group: 'transport',
    source: 'endpoint',
    help: "1 for the transport's current connection state, 0 for the others.",
    labels: [
      ENDPOINT,
      TRANSPORT,
      { name: 'state', help: 'connection state', values: TRANSPORT_STATES },
    ],
  }),
  spec({
    name: 'aes_transport_reconnects_total',
    type: 'counter',
    group: 'transport',
    source: 'endpoint',
    help: 'Connections lost and being re-established.',
    labels: [ENDPOINT, TRANSPORT],
  }),
  spec({
    name: 'aes_transport_errors_total',
    type: 'counter',
    group: 'transport',
    source: 'endpoint',
    help: 'Failed connection attempts and failed connections.',
    labels: [ENDPOINT, TRANSPORT],
  }),
  spec({
    name: 'aes_transport_warnings_total',
    type: 'counter',
    group: 'transport',
    source: 'endpoint',
    help: 'Warnings the transport raised (such as MQTT_ACK_NOT_DURABLE), by code.',
    labels: [
      ENDPOINT,
      TRANSPORT,
      { name: 'code', help: "the warning's stable code (a handful per transport)" },
    ],
  }),
  spec({
    name: 'aes_transport_confirm_duration_seconds',
    type: 'histogram',
    group: 'transport',
    source: 'endpoint',
    unit: 'seconds',
    help: "Time from publish to the broker's confirmation (STOMP RECEIPT, MQTT PUBACK): the endpoint's broker-confirmation latency.",
    labels: [ENDPOINT, TRANSPORT],
    buckets: CONFIRM_BUCKETS_S,
  }),
  // embedded broker
  spec({
    name: 'aes_broker_connections',
    type: 'gauge',
    group: 'broker',
    source: 'node',
    help: 'Open client connections to the embedded broker.',
    labels: [],
  }),
  spec({
    name: 'aes_broker_queues',
    type: 'gauge',
    group: 'broker',
    source: 'node',
    help: 'Queues the embedded broker knows (also those folded into `_other`).',
    labels: [],
  }),
  spec({
    name: 'aes_broker_queue_depth',
    type: 'gauge',
    group: 'broker',
    source: 'node',
    help: 'Messages waiting in a queue (not counting delivered, unacknowledged ones).',
    labels: [QUEUE],
  }),
  spec({
    name: 'aes_broker_queue_consumers',
    type: 'gauge',
    group: 'broker',
    source: 'node',
    help: 'Subscriptions consuming from a queue.',
    labels: [QUEUE],
  }),
  spec({
    name: 'aes_broker_queue_unacked',
    type: 'gauge',
    group: 'broker',
    source: 'node',
    help: 'Messages of a queue delivered to a consumer and not yet acknowledged.',
    labels: [QUEUE],
  }),
  spec({
    name: 'aes_broker_enqueued_total',
    type: 'counter',
    group: 'broker',
    source: 'node',
    help: 'Messages stored in a queue since the broker started.',
    labels: [QUEUE],
  }),
  spec({
    name: 'aes_broker_dequeued_total',
    type: 'counter',
    group: 'broker',
    source: 'node',
    help: 'Messages acknowledged and removed from a queue since the broker started.',
    labels: [QUEUE],
  }),
  spec({
    name: 'aes_broker_redeliveries_total',
    type: 'counter',
    group: 'broker',
    source: 'node',
    help: 'Messages returned to a queue for redelivery (nack or consumer gone).',
    labels: [QUEUE],
  }),
  spec({
    name: 'aes_broker_dead_lettered_total',
    type: 'counter',
    group: 'broker',
    source: 'node',
    help: 'Messages moved from a queue to its dead-letter queue.',
    labels: [QUEUE],
  }),
  spec({
    name: 'aes_broker_unreadable_messages_total',
    type: 'counter',
    group: 'broker',
    source: 'node',
    help: 'Queued messages that could not be read for delivery (a corrupt or missing record) and left the queue until the next start; should stay 0 (the node logs each as an error).',
    labels: [QUEUE],
  }),
  spec({
    name: 'aes_broker_quarantined_records_total',
    type: 'counter',
    group: 'broker',
    source: 'node',
    help: "Corrupt stored records (an undecodable LMDB value, a corrupt journal entry before valid ones) the broker set aside at start-up instead of stopping: kept in its data directory's quarantine/ folder and logged by the node; should stay 0.",
    labels: [],
  }),
  spec({
    name: 'aes_broker_store_failures_total',
    type: 'counter',
    group: 'broker',
    source: 'node',
    help: "Failed writes of the broker's store (journal appends and LMDB commits): a full disk, a quota, an I/O error. Each failed SEND was refused with an ERROR frame saying why; nothing receipted is lost.",
    labels: [],
  }),
  spec({
    name: 'aes_broker_store_failing',
    type: 'gauge',
    group: 'broker',
    source: 'node',
    help: "1 while the broker's store cannot write (its last write failed: a full disk, say) and SENDs are refused; 0 once a write succeeds again, by itself when space returns. aes status and /readyz say why.",
    labels: [],
  }),
  spec({
    name: 'aes_broker_store_bytes',
    type: 'gauge',
    group: 'broker',
    source: 'node',
    unit: 'bytes',
    help: "Size of the broker's store: LMDB pages in use plus journal segments.",
    labels: [],
  }),
  spec({
    name: 'aes_broker_fsync_duration_seconds',
    type: 'histogram',
    group: 'broker',
    source: 'node',
    unit: 'seconds',
    help: "Duration of the journal's write+fdatasync (one per group commit).",
    labels: [],
    buckets: FSYNC_BUCKETS_S,
  }),
];

const BY_NAME = new Map(METRICS.map((m) => [m.name, m]));

/** The metric named `name`, or undefined. */
export function getMetricSpec(name: string): MetricSpec | undefined {
  return BY_NAME.get(name);
}

/** The metric named `name`; throws when the catalogue has no such metric. */
export function getMetricSpecOrThrow(name: string): MetricSpec {
  const found = BY_NAME.get(name);
  if (found === undefined) throw new Error(`metric '${name}' is not in the catalogue`);
  return found;
}

/** Label names of a metric, in order. */
export function labelNames(metric: MetricSpec): string[] {
  return metric.labels.map((l) => l.name);
}

/** Names of the series a metric produces (a histogram's `_bucket`, `_sum`, `_count`). */
export function seriesNames(metric: MetricSpec): string[] {
  return metric.type === 'histogram'
    ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`]
    : [metric.name];
}
