/**
 * The node's project config (`aes.config.json`): one parse function over `unknown`, validated
 * against the JSON Schema shipped in `schema/aes.config.schema.json` (ajv, draft 2020-12), then
 * checked for what a schema cannot say; every error names the file and the field's JSON pointer.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { toDestination, type Destination } from '../../transports/index.js';
import { ConfigError, ConfigReadError, type ConfigIssue } from '../errors.js';
import { DEFAULT_CALL_TIMEOUT_MS, DEFAULT_DRAIN_TIMEOUT_MS } from '../endpoint/endpoint.js';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_IDLE_POLL_INITIAL_MS,
  DEFAULT_IDLE_POLL_MAX_MS,
} from '../endpoint/outbound-endpoint.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_DELIVERIES,
  DEFAULT_PREFETCH,
} from '../endpoint/inbound-endpoint.js';
import { defaultDeadLetter } from '../endpoint/dead-letter.js';
import schema from '../../schema/aes.config.schema.json' with { type: 'json' };
import * as D from './defaults.js';
import {
  readEmbeddedBrokerTls,
  readUsersFile,
  type EmbeddedBrokerTlsConfig,
} from './broker-protection.js';
import { readNamedFile } from './named-file.js';
import { backoffIssue, type BackoffSettings } from './backoff-settings.js';

export type { EmbeddedBrokerTlsConfig } from './broker-protection.js';
export type { BackoffSettings } from './backoff-settings.js';

/** The config schema as shipped (for tools that want it as an object). */
export const CONFIG_SCHEMA: unknown = schema;

/** Everything the node needs to run, supervise and configure one endpoint. */
export interface EndpointSettings {
  readonly hangLimitMs: number;
  readonly startLimitMs: number;
  readonly heartbeatIntervalMs: number;
  readonly restartBackoff: BackoffSettings;
  readonly quarantine: { readonly restarts: number; readonly windowMs: number };
  readonly killGraceMs: number;
  readonly drainTimeoutMs: number;
  readonly callTimeoutMs: number;
  /** Absent: `/queue/dead-letter.<endpoint>`. */
  readonly deadLetter: Destination | undefined;
  readonly maxDeliveries: number;
  readonly prefetch: number;
  readonly batchSize: number;
  /** Inbound: puts in flight at once (1: in queue order). */
  readonly concurrency: number;
  /**
   * Outbound: the wait before polling an empty FIFO again, `initialMs` doubling (with jitter) up
   * to `maxMs` while it stays empty (the original AES's `popper_freq`).
   */
  readonly idlePoll: BackoffSettings;
}

/** The settings that are a backoff; a merged one must keep `maxMs` >= `initialMs`. */
const BACKOFF_SETTINGS = ['restartBackoff', 'idlePoll'] as const;
type BackoffSetting = (typeof BACKOFF_SETTINGS)[number];

/** Settings as written in the file: every field optional, those that are objects field by field. */
export type EndpointSettingsInput = {
  readonly [K in keyof EndpointSettings]?: K extends 'restartBackoff' | 'quarantine' | 'idlePoll'
    ? Partial<EndpointSettings[K]>
    : EndpointSettings[K];
};

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export type BrokerConfig =
  | {
      readonly kind: 'external';
      readonly urls: readonly string[];
      /** RabbitMQ's management API, for `aes dlq` and the dead-letter page; absent: derived. */
      readonly managementUrl?: string;
    }
  | {
      readonly kind: 'embedded';
      readonly host: string;
      readonly port: number;
      readonly dataDir: string;
      /** Absolute; read by `loadConfig` into `users`. Undefined: any client is accepted. */
      readonly usersFile: string | undefined;
      /** Login → passcode, from `usersFile` (read by `loadConfig`). */
      readonly users?: Readonly<Record<string, string>>;
      /** TLS for clients (`stomp+ssl://`); undefined: plain STOMP. */
      readonly tls: EmbeddedBrokerTlsConfig | undefined;
      /** `heapHeadroomMb` of the broker's options; undefined: its default. */
      readonly heapHeadroomMb: number | undefined;
      /** `memoryBudgetMb` of the broker's options; undefined: its default. */
      readonly memoryBudgetMb: number | undefined;
    };

export interface ClusterTlsConfig {
  /** Absolute paths of the PEM files. */
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string | undefined;
  /** The files' contents, read by `loadConfig`. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly ca?: Buffer;
}

export interface CoordinationConfig {
  /** `etcd://…` or `postgres://…` (with credentials: never log it unredacted). */
  readonly url: string;
  readonly leaseMs: number;
  /**
   * Inbound endpoints that run on every node declaring them at once, as competing consumers of
   * their queue, sharing a claims ledger in the engine (docs/coordination.md, "Shared inbound
   * endpoints"); every other endpoint runs on one node at a time.
   */
  readonly shared: readonly string[];
  /**
   * Keep a warm standby (a process loaded and waiting for the lease) of every endpoint another
   * node holds, so that a failover does not wait for a process to start. Default: true.
   */
  readonly warmStandby: boolean;
}

/** The schemes `coordination.url` may name (coordination/open-coordinator.ts has a backend each). */
const COORDINATION_SCHEMES = ['etcd', 'postgres', 'postgresql'];

export interface NodeConfig {
  /** The file it came from (for messages). */
  readonly file: string;
  readonly node: string;
  /** Absolute. */
  readonly dataDir: string;
  readonly cluster: {
    readonly host: string;
    readonly port: number;
    readonly seeds: readonly PeerAddress[];
    /**
     * The addresses other nodes dial (`cluster.advertise`, ports defaulted to `port`); undefined:
     * the listener's, a wildcard one as the machine's interface addresses.
     */
    readonly advertise: readonly PeerAddress[] | undefined;
    readonly secret: string | undefined;
    /** Absolute; read by `loadConfig` into `secret`. */
    readonly secretFile: string | undefined;
    /** TLS on the cluster listener and the links to seeds; undefined: plain TCP. */
    readonly tls: ClusterTlsConfig | undefined;
  };
  readonly broker: BrokerConfig;
  readonly http: {
    readonly host: string;
    readonly port: number;
    /** The base URL others reach the HTTP server at; undefined: derived from what is bound. */
    readonly advertise: string | undefined;
  };
  /** The coordination engine placing endpoints by lease; undefined: static placement. */
  readonly coordination: CoordinationConfig | undefined;
  /** The lineage index's bounds (`aes trace`). */
  readonly lineage: { readonly maxEntries: number; readonly maxAgeMs: number };
  readonly endpoints: {
    /** Absolute. */
    readonly folder: string;
    readonly defaults: EndpointSettings;
    readonly overrides: Readonly<Record<string, EndpointSettingsInput>>;
  };
}

/** The settings of endpoint `name`: its overrides over the node's defaults. */
export function endpointSettings(config: NodeConfig, name: string): EndpointSettings {
  const base = config.endpoints.defaults;
  const own = Object.hasOwn(config.endpoints.overrides, name)
    ? config.endpoints.overrides[name]
    : undefined;
  return own === undefined ? base : merge(base, own);
}

/** The dead-letter destination of endpoint `name`. */
export function deadLetterOf(config: NodeConfig, name: string): Destination {
  return endpointSettings(config, name).deadLetter ?? defaultDeadLetter(name);
}

export const DEFAULT_ENDPOINT_SETTINGS: EndpointSettings = {
  hangLimitMs: D.DEFAULT_HANG_LIMIT_MS,
  startLimitMs: D.DEFAULT_START_LIMIT_MS,
  heartbeatIntervalMs: D.DEFAULT_ENDPOINT_HEARTBEAT_INTERVAL_MS,
  restartBackoff: { initialMs: D.DEFAULT_RESTART_INITIAL_MS, maxMs: D.DEFAULT_RESTART_MAX_MS },
  quarantine: { restarts: D.DEFAULT_QUARANTINE_RESTARTS, windowMs: D.DEFAULT_QUARANTINE_WINDOW_MS },
  killGraceMs: D.DEFAULT_KILL_GRACE_MS,
  drainTimeoutMs: DEFAULT_DRAIN_TIMEOUT_MS,
  callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS,
  deadLetter: undefined,
  maxDeliveries: DEFAULT_MAX_DELIVERIES,
  prefetch: DEFAULT_PREFETCH,
  batchSize: DEFAULT_BATCH_SIZE,
  concurrency: DEFAULT_CONCURRENCY,
  idlePoll: { initialMs: DEFAULT_IDLE_POLL_INITIAL_MS, maxMs: DEFAULT_IDLE_POLL_MAX_MS },
};

function merge(base: EndpointSettings, input: EndpointSettingsInput): EndpointSettings {
  return {
    ...base,
    ...withoutUndefined(input),
    restartBackoff: { ...base.restartBackoff, ...withoutUndefined(input.restartBackoff ?? {}) },
    quarantine: { ...base.quarantine, ...withoutUndefined(input.quarantine ?? {}) },
    idlePoll: { ...base.idlePoll, ...withoutUndefined(input.idlePoll ?? {}) },
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

let validator: ValidateFunction | undefined;

function validate(): ValidateFunction {
  if (validator === undefined) {
    const ajv = new Ajv2020({
      allErrors: true,
      verbose: true,
      strict: true,
      strictRequired: false,
    });
    ajv.addKeyword('x-expected');
    ajv.addKeyword('x-not-message');
    validator = ajv.compile(schema);
  }
  return validator;
}

/** ajv's error as a field and a sentence a person can act on. */
function toIssue(error: ErrorObject): ConfigIssue | undefined {
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        pointer: `${error.instancePath}/${escape(String(params.missingProperty))}`,
        message: 'is required',
      };
    case 'additionalProperties': {
      const allowed = Object.keys(parent.properties ?? {}).filter((k) => k !== '$schema');
      return {
        pointer: `${error.instancePath}/${escape(String(params.additionalProperty))}`,
        message: `is not a known field${allowed.length > 0 ? ` (known: ${allowed.join(', ')})` : ''}`,
      };
    }
    case 'not':
      return {
        pointer: error.instancePath,
        message:
          typeof parent['x-not-message'] === 'string' ? parent['x-not-message'] : 'is not allowed',
      };
    case 'pattern':
      return {
        // Inside `propertyNames` the offending thing is the key itself.
        pointer:
          error.propertyName === undefined
            ? error.instancePath
            : `${error.instancePath}/${escape(error.propertyName)}`,
        message: `must be ${typeof parent['x-expected'] === 'string' ? parent['x-expected'] : `like ${String(params.pattern)}`}, got ${JSON.stringify(error.data)}`,
      };
    case 'propertyNames':
      // Its inner error (a pattern, above) says what is wrong; this one adds nothing.
      return undefined;
    default:
      return { pointer: error.instancePath, message: error.message ?? error.keyword };
  }
}

function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function absolute(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function parsePeer(text: string): PeerAddress {
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(text.slice(colon + 1)) };
}

/** `host`, `host:port`, `[v6]` or `[v6]:port` (the schema checked the shape); port default given. */
function parseAdvertised(text: string, defaultPort: number): PeerAddress {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(text);
  const host = (match?.[1] ?? text).replace(/^\[(.*)\]$/, '$1');
  return { host, port: match?.[2] === undefined ? defaultPort : Number(match[2]) };
}

interface RawConfig {
  node: string;
  dataDir?: string;
  cluster?: {
    host?: string;
    port?: number;
    seeds?: string[];
    advertise?: string[];
    secret?: string;
    secretFile?: string;
    tls?: { cert: string; key: string; ca?: string };
  };
  broker?: {
    urls?: string[];
    managementUrl?: string;
    embedded?: {
      host?: string;
      port?: number;
      dataDir?: string;
      usersFile?: string;
      heapHeadroomMb?: number;
      memoryBudgetMb?: number;
      tls?: { cert: string; key: string; clientCa?: string };
    };
  };
  http?: { host?: string; port?: number; advertise?: string };
  coordination?: { url: string; leaseMs?: number; shared?: string[]; warmStandby?: boolean };
  lineage?: { maxEntries?: number; maxAgeMs?: number };
  endpoints?: {
    folder?: string;
    defaults?: EndpointSettingsInput;
    overrides?: Record<string, EndpointSettingsInput>;
  };
}

export interface ParseConfigOptions {
  /** Named in errors. @defaultValue 'aes.config.json' */
  readonly file?: string;
  /** Relative paths are resolved against it. @defaultValue the file's folder */
  readonly baseDir?: string;
}

/**
 * Validates `input` (the parsed JSON of a config file) and returns the node config with every
 * default applied and every path absolute. Throws a `ConfigError` listing each problem with its
 * JSON pointer.
 */
export function parseConfig(input: unknown, options: ParseConfigOptions = {}): NodeConfig {
  const file = options.file ?? D.DEFAULT_CONFIG_FILE;
  const baseDir = options.baseDir ?? dirname(resolve(file));
  const check = validate();
  if (!check(input)) {
    const issues = (check.errors ?? [])
      .map(toIssue)
      .filter((i): i is ConfigIssue => i !== undefined);
    throw new ConfigError(file, dedupe(issues));
  }
  const raw = input as RawConfig;
  const issues: ConfigIssue[] = [];

  const seeds = (raw.cluster?.seeds ?? []).map(parsePeer);
  seeds.forEach((peer, i) => {
    if (peer.port < 1 || peer.port > 65535) {
      issues.push({
        pointer: `/cluster/seeds/${i}`,
        message: `port must be 1..65535, got ${peer.port}`,
      });
    }
  });
  const clusterPort = raw.cluster?.port ?? D.DEFAULT_CLUSTER_PORT;
  const advertise = raw.cluster?.advertise?.map((a) => parseAdvertised(a, clusterPort));
  advertise?.forEach((peer, i) => {
    if (peer.port < 1 || peer.port > 65535) {
      issues.push({
        pointer: `/cluster/advertise/${i}`,
        message: `port must be 1..65535, got ${peer.port}`,
      });
    } else if (peer.host === '0.0.0.0' || peer.host === '::') {
      issues.push({
        pointer: `/cluster/advertise/${i}`,
        message: `${peer.host} is a wildcard, not an address other nodes can dial`,
      });
    }
  });
  if (
    seeds.length > 0 &&
    raw.cluster?.secret === undefined &&
    raw.cluster?.secretFile === undefined
  ) {
    issues.push({
      pointer: '/cluster/secret',
      message: 'a cluster with seeds needs a shared secret: set secret or secretFile',
    });
  }
  // `base`: what `input` is merged over; `origin`: where a bound of base's backoff comes from.
  const settingsAt = (
    pointer: string,
    input: EndpointSettingsInput | undefined,
    base: EndpointSettings,
    origin: (field: BackoffSetting, bound: keyof BackoffSettings) => string,
  ) => {
    if (input === undefined) return;
    if (input.deadLetter !== undefined) {
      try {
        toDestination(input.deadLetter);
      } catch (err) {
        issues.push({ pointer: `${pointer}/deadLetter`, message: (err as Error).message });
      }
    }
    for (const field of BACKOFF_SETTINGS) {
      // The bound the message names as taken from `base` is the one `input` leaves out.
      const bound = input[field]?.initialMs === undefined ? 'initialMs' : 'maxMs';
      const issue = backoffIssue(
        `${pointer}/${field}`,
        input[field],
        base[field],
        origin(field, bound),
      );
      if (issue !== undefined) issues.push(issue);
    }
  };
  const scheme = raw.coordination?.url.split('://')[0]?.toLowerCase();
  if (scheme !== undefined && !COORDINATION_SCHEMES.includes(scheme)) {
    issues.push({
      pointer: '/coordination/url',
      message: `unknown scheme '${scheme}' (known: ${COORDINATION_SCHEMES.join(', ')})`,
    });
  }
  const defaults = raw.endpoints?.defaults;
  settingsAt('/endpoints/defaults', defaults, DEFAULT_ENDPOINT_SETTINGS, () => 'the default');
  const nodeDefaults = merge(DEFAULT_ENDPOINT_SETTINGS, defaults ?? {});
  const fromDefaults = (field: BackoffSetting, bound: keyof BackoffSettings): string =>
    defaults?.[field]?.[bound] === undefined
      ? 'the default'
      : `from /endpoints/defaults/${field}/${bound}`;
  for (const [name, settings] of Object.entries(raw.endpoints?.overrides ?? {})) {
    settingsAt(`/endpoints/overrides/${escape(name)}`, settings, nodeDefaults, fromDefaults);
  }
  if (issues.length > 0) throw new ConfigError(file, issues);

  const dataDir = absolute(baseDir, raw.dataDir ?? D.DEFAULT_DATA_DIR);
  const embedded = raw.broker?.embedded;
  const broker: BrokerConfig =
    raw.broker?.urls !== undefined
      ? {
          kind: 'external',
          urls: raw.broker.urls,
          ...(raw.broker.managementUrl === undefined
            ? {}
            : { managementUrl: raw.broker.managementUrl }),
        }
      : {
          kind: 'embedded',
          host: embedded?.host ?? D.DEFAULT_BROKER_HOST,
          port: embedded?.port ?? D.DEFAULT_BROKER_PORT,
          dataDir: absolute(baseDir, embedded?.dataDir ?? resolve(dataDir, 'broker')),
          usersFile:
            embedded?.usersFile === undefined ? undefined : absolute(baseDir, embedded.usersFile),
          heapHeadroomMb: embedded?.heapHeadroomMb,
          memoryBudgetMb: embedded?.memoryBudgetMb,
          tls:
            embedded?.tls === undefined
              ? undefined
              : {
                  certFile: absolute(baseDir, embedded.tls.cert),
                  keyFile: absolute(baseDir, embedded.tls.key),
                  clientCaFile:
                    embedded.tls.clientCa === undefined
                      ? undefined
                      : absolute(baseDir, embedded.tls.clientCa),
                },
        };
  return {
    file,
    node: raw.node,
    dataDir,
    cluster: {
      host: raw.cluster?.host ?? D.DEFAULT_CLUSTER_HOST,
      port: clusterPort,
      seeds,
      advertise,
      secret: raw.cluster?.secret,
      secretFile:
        raw.cluster?.secretFile === undefined
          ? undefined
          : absolute(baseDir, raw.cluster.secretFile),
      tls:
        raw.cluster?.tls === undefined
          ? undefined
          : {
              certFile: absolute(baseDir, raw.cluster.tls.cert),
              keyFile: absolute(baseDir, raw.cluster.tls.key),
              caFile:
                raw.cluster.tls.ca === undefined
                  ? undefined
                  : absolute(baseDir, raw.cluster.tls.ca),
            },
    },
    broker,
    http: {
      host: raw.http?.host ?? D.DEFAULT_HTTP_HOST,
      port: raw.http?.port ?? D.DEFAULT_HTTP_PORT,
      advertise: raw.http?.advertise,
    },
    coordination:
      raw.coordination === undefined
        ? undefined
        : {
            url: raw.coordination.url,
            leaseMs: raw.coordination.leaseMs ?? D.DEFAULT_COORDINATION_LEASE_MS,
            shared: raw.coordination.shared ?? [],
            warmStandby: raw.coordination.warmStandby ?? true,
          },
    lineage: {
      maxEntries: raw.lineage?.maxEntries ?? D.DEFAULT_LINEAGE_MAX_ENTRIES,
      maxAgeMs: raw.lineage?.maxAgeMs ?? D.DEFAULT_LINEAGE_MAX_AGE_MS,
    },
    endpoints: {
      folder: absolute(baseDir, raw.endpoints?.folder ?? D.DEFAULT_ENDPOINTS_FOLDER),
      defaults: merge(DEFAULT_ENDPOINT_SETTINGS, raw.endpoints?.defaults ?? {}),
      overrides: raw.endpoints?.overrides ?? {},
    },
  };
}

function dedupe(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.pointer}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Reads, parses and validates a config file, reads `cluster.secretFile` into `cluster.secret`,
 * the cluster's TLS files into `cluster.tls`, and the embedded broker's users file and TLS files
 * into `broker.users` and `broker.tls`. Throws `ConfigReadError` (unreadable, not JSON) or
 * `ConfigError`.
 */
export async function loadConfig(path: string): Promise<NodeConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigReadError(path, `cannot read: ${(err as Error).message}`, { cause: err });
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    throw new ConfigReadError(path, `not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = parseConfig(input, { file: path, baseDir: dirname(resolve(path)) });
  const config = await readEmbeddedBrokerFiles(await readClusterTls(parsed));
  const secretFile = config.cluster.secretFile;
  if (secretFile === undefined) return config;
  const secret = (await readNamedFile(path, '/cluster/secretFile', secretFile))
    .toString('utf8')
    .trim();
  if (secret.length < D.MIN_SECRET_LENGTH) {
    throw new ConfigError(path, [
      {
        pointer: '/cluster/secretFile',
        message: `${secretFile} holds ${secret.length} characters; a secret needs at least ${D.MIN_SECRET_LENGTH}`,
      },
    ]);
  }
  return { ...config, cluster: { ...config.cluster, secret } };
}

/** Reads the PEM files of `cluster.tls`; an unreadable one is a `ConfigError` naming it. */
async function readClusterTls(config: NodeConfig): Promise<NodeConfig> {
  const tls = config.cluster.tls;
  if (tls === undefined) return config;
  const read = (field: 'cert' | 'key' | 'ca', file: string): Promise<Buffer> =>
    readNamedFile(config.file, `/cluster/tls/${field}`, file);
  const cert = await read('cert', tls.certFile);
  const key = await read('key', tls.keyFile);
  const ca = tls.caFile === undefined ? undefined : await read('ca', tls.caFile);
  return {
    ...config,
    cluster: { ...config.cluster, tls: { ...tls, cert, key, ...(ca === undefined ? {} : { ca }) } },
  };
}

/** Reads the embedded broker's users file and TLS files; each bad one is a `ConfigError` naming it. */
async function readEmbeddedBrokerFiles(config: NodeConfig): Promise<NodeConfig> {
  const broker = config.broker;
  if (broker.kind !== 'embedded') return config;
  const users =
    broker.usersFile === undefined ? undefined : await readUsersFile(config.file, broker.usersFile);
  const tls =
    broker.tls === undefined ? undefined : await readEmbeddedBrokerTls(config.file, broker.tls);
  return { ...config, broker: { ...broker, tls, ...(users === undefined ? {} : { users }) } };
}
