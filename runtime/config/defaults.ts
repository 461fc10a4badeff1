/** Defaults of the node config (`aes.config.json`); the schema's descriptions repeat them. */

export const DEFAULT_CONFIG_FILE = 'aes.config.json';
export const DEFAULT_DATA_DIR = 'data';
export const DEFAULT_CLUSTER_HOST = '127.0.0.1';
export const DEFAULT_CLUSTER_PORT = 7420;
/** The original AES's broker port. */
export const DEFAULT_BROKER_PORT = 61614;
export const DEFAULT_BROKER_HOST = '127.0.0.1';
export const DEFAULT_HTTP_HOST = '127.0.0.1';
export const DEFAULT_HTTP_PORT = 9464;
export const DEFAULT_ENDPOINTS_FOLDER = 'endpoints';

/** No heartbeat or no headway for this long: the endpoint is hung. */
export const DEFAULT_HANG_LIMIT_MS = 30_000;
/** How long a started endpoint process may take to send its first heartbeat. */
export const DEFAULT_START_LIMIT_MS = 30_000;
export const DEFAULT_ENDPOINT_HEARTBEAT_INTERVAL_MS = 1_000;
export const DEFAULT_RESTART_INITIAL_MS = 1_000;
export const DEFAULT_RESTART_MAX_MS = 60_000;
/** Restarts within `DEFAULT_QUARANTINE_WINDOW_MS` that quarantine an endpoint. */
export const DEFAULT_QUARANTINE_RESTARTS = 5;
export const DEFAULT_QUARANTINE_WINDOW_MS = 300_000;
/** Between SIGTERM and SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 5_000;
/** Shared secrets shorter than this are refused. */
export const MIN_SECRET_LENGTH = 16;
/** `coordination.leaseMs`: long enough to ride out a short engine hiccup (coordination's default). */
export const DEFAULT_COORDINATION_LEASE_MS = 10_000;
/** `lineage.maxEntries`: steps of records a node keeps at most. */
export const DEFAULT_LINEAGE_MAX_ENTRIES = 1_000_000;
/** `lineage.maxAgeMs`: steps older than this are forgotten (7 days). */
export const DEFAULT_LINEAGE_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
