/**
 * Coordinators by URL scheme. The backends are a table here, each loaded (with its client
 * library: etcd3 and its gRPC stack, node-postgres) only when a URL of its scheme is opened, so
 * a node that uses neither never loads them.
 */
import {
  DEFAULT_COORDINATION_NAMESPACE,
  type Coordinator,
  type CoordinatorOptions,
} from './coordinator.js';
import {
  checkMs,
  DEFAULT_COORDINATION_TIMEOUT_MS,
  type ResolvedCoordinatorOptions,
} from './coordinator-base.js';
import { CoordinationUrlError } from './errors.js';

type Opener = (
  url: string,
  redacted: string,
  options: ResolvedCoordinatorOptions,
) => Promise<Coordinator>;

const openEtcd: Opener = async (url, redacted, options) =>
  (await import('./etcd/etcd-coordinator.js')).openEtcdCoordinator(url, redacted, options);
const openPostgres: Opener = async (url, redacted, options) =>
  (await import('./postgres/postgres-coordinator.js')).openPostgresCoordinator(
    url,
    redacted,
    options,
  );

/** The engines aes ships, by scheme. */
const BACKENDS: ReadonlyMap<string, Opener> = new Map([
  ['etcd', openEtcd],
  ['postgres', openPostgres],
  ['postgresql', openPostgres],
]);

/** The URL with its password replaced by `***`, for messages and `Coordinator.url`. */
export function redactCoordinationUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

/**
 * Connects to the engine `url` names (`etcd://host:port[,host:port…]`, `postgres://…`) and
 * resolves once it answered (PostgreSQL: once its tables exist). Rejects with a
 * `CoordinationUrlError` naming the URL (password removed) for an unknown scheme or a bad URL,
 * with a `CoordinationUnavailableError` or `CoordinationTimeoutError` when the engine does not
 * answer within `connectTimeoutMs`. `?namespace=…` in the URL sets `options.namespace`'s default.
 */
export async function openCoordinator(
  url: string,
  options: CoordinatorOptions = {},
): Promise<Coordinator> {
  const redacted = redactCoordinationUrl(url);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  const open = scheme === undefined ? undefined : BACKENDS.get(scheme);
  if (open === undefined) {
    throw new CoordinationUrlError(
      'COORDINATION_UNKNOWN_SCHEME',
      `no coordination engine for '${redacted}'` +
        (scheme === undefined ? ': not a URL' : `: unknown scheme '${scheme}'`) +
        ` (known: ${[...BACKENDS.keys()].join(', ')})`,
    );
  }
  const { rest, namespace } = takeNamespace(url);
  return open(rest, redactCoordinationUrl(rest), {
    namespace: options.namespace ?? namespace ?? DEFAULT_COORDINATION_NAMESPACE,
    connectTimeoutMs: checkMs(
      'connectTimeoutMs',
      options.connectTimeoutMs ?? DEFAULT_COORDINATION_TIMEOUT_MS,
    ),
    operationTimeoutMs: checkMs(
      'operationTimeoutMs',
      options.operationTimeoutMs ?? DEFAULT_COORDINATION_TIMEOUT_MS,
    ),
  });
}

/** Takes `namespace=` out of the query, so the engine's client never sees a parameter of ours. */
function takeNamespace(url: string): { rest: string; namespace: string | undefined } {
  const at = url.indexOf('?');
  if (at < 0) return { rest: url, namespace: undefined };
  const params = new URLSearchParams(url.slice(at + 1));
  const namespace = params.get('namespace') ?? undefined;
  params.delete('namespace');
  const query = params.toString();
  return { rest: url.slice(0, at) + (query === '' ? '' : `?${query}`), namespace };
}
