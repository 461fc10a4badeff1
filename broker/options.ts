/** Options of the embedded broker: one documented interface, defaults, one parse function. */
import { BrokerOptionsError } from './errors.js';
import { DEFAULT_HEAP_HEADROOM_MB } from './heap-headroom.js';
import { DEFAULT_BROKER_HOST, DEFAULT_BROKER_PORT } from './defaults.js';
import { parseBrokerTls, type BrokerTlsOptions } from './tls-options.js';

export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_HEADERS = 64;
export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
export const DEFAULT_MAX_PENDING_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_TRANSACTION_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_CONNECTIONS = 1024;
export const DEFAULT_HEARTBEAT_SEND_MS = 10_000;
export const DEFAULT_HEARTBEAT_RECEIVE_MS = 10_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;
export const DEFAULT_MAX_DELIVERIES = 5;
export const DEFAULT_PREFETCH = 100;
export const DEFAULT_DEAD_LETTER_SUFFIX = '.dlq';
export const DEFAULT_STORE_COMMIT_DELAY_MS = 5000;
export const DEFAULT_MEMORY_BUDGET_MB = 64;

/** How `startBroker` is configured. Durations are milliseconds. */
export interface BrokerOptions {
  /** Directory of the message store; created when missing. */
  readonly dataDir: string;
  /** TCP port; 0 picks a free one. @defaultValue 61614, the original AES's broker port */
  readonly port?: number;
  /** Address to listen on. @defaultValue `127.0.0.1` */
  readonly host?: string;
  /**
   * Accepted login → passcode pairs. When absent, any CONNECT is accepted (loopback use);
   * when present, CONNECT must carry a matching `login` and `passcode`.
   */
  readonly users?: Readonly<Record<string, string>>;
  /** Largest frame in bytes (headers and body). @defaultValue 16 MiB */
  readonly maxFrameBytes?: number;
  /** Most headers in one frame. @defaultValue 64 */
  readonly maxHeaders?: number;
  /** Largest header block in bytes. @defaultValue 64 KiB */
  readonly maxHeaderBytes?: number;
  /**
   * Output bytes a connection may have pending before the broker stops dispatching to it and
   * stops reading from it; a topic subscriber over the limit is disconnected. @defaultValue 8 MiB
   */
  readonly maxPendingBytes?: number;
  /** Bytes of SEND bodies one open transaction may buffer. @defaultValue 64 MiB */
  readonly maxTransactionBytes?: number;
  /** Concurrent connections; more are refused with an ERROR frame. @defaultValue 1024 */
  readonly maxConnections?: number;
  /** Smallest interval at which the broker can send heart-beats; 0 never. @defaultValue 10000 */
  readonly heartbeatSendMs?: number;
  /** Interval at which the broker wants heart-beats from clients; 0 never. @defaultValue 10000 */
  readonly heartbeatReceiveMs?: number;
  /** Deadline for a new connection's CONNECT frame. @defaultValue 10000 */
  readonly connectTimeoutMs?: number;
  /** Deadline for a closing connection to flush its ERROR or RECEIPT frame. @defaultValue 2000 */
  readonly closeTimeoutMs?: number;
  /** Deliveries of a queue message before it is moved to its dead-letter queue. @defaultValue 5 */
  readonly maxDeliveries?: number;
  /** Suffix naming a queue's dead-letter queue (`/queue/a` → `/queue/a.dlq`). @defaultValue `.dlq` */
  readonly deadLetterSuffix?: string;
  /** Unacknowledged messages per subscription when SUBSCRIBE names none. @defaultValue 100 */
  readonly defaultPrefetch?: number;
  /**
   * How long a journaled write waits in memory before LMDB commits it in the background (sooner
   * when 64 MiB of records wait). A message deleted within that time never reaches LMDB. Longer
   * means fewer LMDB writes, more memory and a longer journal to replay after a crash; receipts
   * do not wait for it. @defaultValue 5000
   */
  readonly storeCommitDelayMs?: number;
  /**
   * MiB of message records the broker holds in memory: records journaled and waiting for their
   * LMDB commit (all of them are committed at once past it, before their delay is up). Queued
   * messages are otherwise on disk — in memory a queue keeps a bit per sequence number — and a
   * body is read when a subscriber's window has room. It also bounds the journal a crash leaves
   * to replay (about this plus one 64 MiB segment), and the records read through LMDB's memory
   * map before the broker releases it (lmdb-map.ts; a waiting delete counts as a 4 KiB page).
   * Less means more, smaller LMDB commits and more frequent releases.
   * @defaultValue 64
   */
  readonly memoryBudgetMb?: number;
  /**
   * MiB by which this process's V8 heap may grow between full collections while the broker
   * runs (see heap-headroom.ts): a busy broker's small heap otherwise gets a full collection
   * every few thousand messages. Costs up to that much memory under load; 0 leaves V8's
   * defaults. Process-wide: the largest of the running brokers' values applies.
   * @defaultValue 128
   */
  readonly heapHeadroomMb?: number;
  /** Serve `stomp+ssl://` (TLS) instead of plain `stomp://`; see {@link BrokerTlsOptions}. */
  readonly tls?: BrokerTlsOptions;
  /** A second, private listener for the embedding process's own clients; see {@link InternalListenerOptions}. */
  readonly internal?: InternalListenerOptions;
}

/**
 * A second listener for the clients of the process that embeds the broker (an aes node's own
 * endpoints): plain TCP on 127.0.0.1, whatever `host` and `tls` say, accepting only its own
 * `users` (not the main listener's, which in turn never accept these). Its clients need no
 * certificate naming 127.0.0.1 and no client certificate, while everyone else still meets the
 * main listener's logins and TLS. Its connections do not count against `maxConnections`, so
 * outside clients cannot crowd the embedding process's own out.
 */
export interface InternalListenerOptions {
  /** TCP port on 127.0.0.1. @defaultValue 0 (a free port; `BrokerHandle.internalPort` says which) */
  readonly port?: number;
  /** Accepted login → passcode pairs: at least one, every passcode non-empty. */
  readonly users: Readonly<Record<string, string>>;
}

/** The address the internal listener binds: loopback only, by design. */
export const INTERNAL_LISTENER_HOST = '127.0.0.1';

export type ResolvedBrokerOptions = Required<Omit<BrokerOptions, 'users' | 'tls' | 'internal'>> & {
  readonly users: Readonly<Record<string, string>> | undefined;
  readonly tls: BrokerTlsOptions | undefined;
  readonly internal: Required<InternalListenerOptions> | undefined;
};

/** Validates `input` (for example parsed from flags or a config file) and fills defaults. */
export function parseBrokerOptions(input: unknown): ResolvedBrokerOptions {
  if (typeof input !== 'object' || input === null) {
    throw new BrokerOptionsError('(options)', 'must be an object');
  }
  const o = input as Record<string, unknown>;
  const known = new Set([
    'dataDir',
    'port',
    'host',
    'users',
    'maxFrameBytes',
    'maxHeaders',
    'maxHeaderBytes',
    'maxPendingBytes',
    'maxTransactionBytes',
    'maxConnections',
    'heartbeatSendMs',
    'heartbeatReceiveMs',
    'connectTimeoutMs',
    'closeTimeoutMs',
    'maxDeliveries',
    'deadLetterSuffix',
    'defaultPrefetch',
    'storeCommitDelayMs',
    'memoryBudgetMb',
    'heapHeadroomMb',
    'tls',
    'internal',
  ]);
  for (const key of Object.keys(o)) {
    if (!known.has(key)) throw new BrokerOptionsError(key, 'is not a broker option');
  }
  const dataDir = o.dataDir;
  if (typeof dataDir !== 'string' || dataDir.length === 0) {
    throw new BrokerOptionsError('dataDir', 'must be a non-empty directory path');
  }
  const host = o.host ?? DEFAULT_BROKER_HOST;
  if (typeof host !== 'string' || host.length === 0) {
    throw new BrokerOptionsError('host', 'must be a non-empty address');
  }
  const suffix = o.deadLetterSuffix ?? DEFAULT_DEAD_LETTER_SUFFIX;
  if (typeof suffix !== 'string' || suffix.length === 0 || /[\n\0]/.test(suffix)) {
    throw new BrokerOptionsError(
      'deadLetterSuffix',
      'must be a non-empty string without NUL or EOL',
    );
  }
  return {
    dataDir,
    host,
    users: parseUsers('users', o.users),
    tls: parseBrokerTls(o.tls),
    internal: parseInternal(o.internal),
    port: int(o, 'port', DEFAULT_BROKER_PORT, 0, 65535),
    maxFrameBytes: int(o, 'maxFrameBytes', DEFAULT_MAX_FRAME_BYTES, 1024, 2 ** 31),
    maxHeaders: int(o, 'maxHeaders', DEFAULT_MAX_HEADERS, 4, 100_000),
    maxHeaderBytes: int(o, 'maxHeaderBytes', DEFAULT_MAX_HEADER_BYTES, 256, 2 ** 30),
    maxPendingBytes: int(o, 'maxPendingBytes', DEFAULT_MAX_PENDING_BYTES, 65_536, 2 ** 31),
    maxTransactionBytes: int(o, 'maxTransactionBytes', DEFAULT_MAX_TRANSACTION_BYTES, 0, 2 ** 40),
    maxConnections: int(o, 'maxConnections', DEFAULT_MAX_CONNECTIONS, 1, 1_000_000),
    heartbeatSendMs: int(o, 'heartbeatSendMs', DEFAULT_HEARTBEAT_SEND_MS, 0, 3_600_000),
    heartbeatReceiveMs: int(o, 'heartbeatReceiveMs', DEFAULT_HEARTBEAT_RECEIVE_MS, 0, 3_600_000),
    connectTimeoutMs: int(o, 'connectTimeoutMs', DEFAULT_CONNECT_TIMEOUT_MS, 1, 3_600_000),
    closeTimeoutMs: int(o, 'closeTimeoutMs', DEFAULT_CLOSE_TIMEOUT_MS, 1, 3_600_000),
    maxDeliveries: int(o, 'maxDeliveries', DEFAULT_MAX_DELIVERIES, 1, 1_000_000),
    deadLetterSuffix: suffix,
    defaultPrefetch: int(o, 'defaultPrefetch', DEFAULT_PREFETCH, 1, 1_000_000),
    storeCommitDelayMs: int(o, 'storeCommitDelayMs', DEFAULT_STORE_COMMIT_DELAY_MS, 0, 60_000),
    memoryBudgetMb: int(o, 'memoryBudgetMb', DEFAULT_MEMORY_BUDGET_MB, 1, 65_536),
    heapHeadroomMb: int(o, 'heapHeadroomMb', DEFAULT_HEAP_HEADROOM_MB, 0, 65_536),
  };
}

function int(
  o: Record<string, unknown>,
  field: string,
  fallback: number,
  min: number,
  max: number,
  /** The field as errors name it. */
  name = field,
): number {
  const value = o[field] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BrokerOptionsError(
      name,
      `must be an integer from ${min} to ${max} (got ${JSON.stringify(value) ?? typeof value})`,
    );
  }
  return value;
}

function parseUsers(field: string, value: unknown): Readonly<Record<string, string>> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BrokerOptionsError(field, 'must map each login to its passcode');
  }
  const users: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [login, passcode] of Object.entries(value)) {
    if (typeof passcode !== 'string') {
      throw new BrokerOptionsError(`${field}.${login}`, 'must be a passcode string');
    }
    users[login] = passcode;
  }
  return users;
}

function parseInternal(value: unknown): Required<InternalListenerOptions> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BrokerOptionsError('internal', 'must be an object with users (and a port)');
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== 'port' && key !== 'users') {
      throw new BrokerOptionsError(`internal.${key}`, 'is not an option of the internal listener');
    }
  }
  const users = parseUsers('internal.users', o.users);
  // Without logins the private listener would be open to every local process.
  if (users === undefined || Object.keys(users).length === 0) {
    throw new BrokerOptionsError('internal.users', 'must name at least one login');
  }
  for (const [login, passcode] of Object.entries(users)) {
    if (passcode === '') throw new BrokerOptionsError(`internal.users.${login}`, 'is empty');
  }
  return { port: int(o, 'port', 0, 0, 65535, 'internal.port'), users };
}
