/**
 * How `aes dlq list` and `show` read dead letters: through RabbitMQ's management API when the
 * broker has one, else by a STOMP browse (`browse.ts`). `replay` and `drop` always browse over
 * STOMP: the management API cannot remove one chosen message from the middle of a queue.
 *
 * - `stomp`: a STOMP browse.
 * - `management`: the management API, or fail (`DLQ_NO_MANAGEMENT`) naming the flag.
 * - `auto` (the default): the API named by `--management-url` / `broker.managementUrl` (failing
 *   when it cannot be used: it was asked for); else, for an external STOMP broker that says it is
 *   RabbitMQ (the `server` header of its CONNECTED frame), the API at the broker's host on port
 *   15672, used only when its listeners include the STOMP URL's port (so an unrelated RabbitMQ on
 *   the same host is never read), and a STOMP browse with a notice naming the flags when it
 *   cannot be used. Any other broker (the embedded one, ActiveMQ) is browsed over STOMP, quietly.
 */
import type { BrowseMethod } from './defaults.js';
import { DeadLetterError } from './errors.js';
import { ManagementApi, ManagementApiError, managementTargetOf } from './management-api.js';
import type { NodeConfig } from '../config/config.js';
import { redactUrl } from '../../transports/index.js';

export { BROWSE_METHODS, type BrowseMethod } from './defaults.js';

/** Deadline of the check of a derived (not named) management API, within the command's. */
export const DEFAULT_MANAGEMENT_PROBE_TIMEOUT_MS = 3_000;

export type BrowseChoice =
  | { readonly via: 'management'; readonly api: ManagementApi }
  | {
      readonly via: 'stomp';
      /** Why a usable management API was not used, for the user (auto only). */
      readonly notice: string | undefined;
    };

export interface BrowseChoiceOptions {
  readonly browse?: BrowseMethod;
  /** The management API's URL, in place of the config's and of the derived one. */
  readonly managementUrl?: string;
  readonly deadlineMs: number;
  /**
   * The broker's `server` header (e.g. `RabbitMQ/3.10.8`; connects to ask), consulted in `auto`
   * mode before an API is derived.
   */
  readonly brokerServer: () => Promise<string | undefined>;
}

const FLAGS =
  'name the API with --management-url (config broker.managementUrl), or pass --browse stomp';

/** Picks the way to read, checking the management API it would use. */
export async function chooseBrowse(
  config: NodeConfig,
  brokerUrls: readonly string[],
  options: BrowseChoiceOptions,
): Promise<BrowseChoice> {
  const method = options.browse ?? 'auto';
  if (method === 'stomp') return { via: 'stomp', notice: undefined };
  const named =
    options.managementUrl ??
    (config.broker.kind === 'external' ? config.broker.managementUrl : undefined);
  const stompUrls = brokerUrls.filter((u) => /^stomp(\+ssl)?:\/\//i.test(u));
  if (named === undefined && (config.broker.kind === 'embedded' || stompUrls.length === 0)) {
    if (method === 'auto') return { via: 'stomp', notice: undefined };
    throw new DeadLetterError(
      'DLQ_NO_MANAGEMENT',
      config.broker.kind === 'embedded'
        ? `--browse management: the embedded broker has no management API (it is RabbitMQ's); name one with --management-url, or leave out --browse`
        : `--browse management: no STOMP broker URL to find RabbitMQ's management API from; name it with --management-url`,
    );
  }
  if (named === undefined && method === 'auto') {
    const server = await options.brokerServer();
    if (server === undefined || !/^RabbitMQ\//i.test(server))
      return { via: 'stomp', notice: undefined };
  }
  const failures: string[] = [];
  const candidates =
    named === undefined
      ? stompUrls.map((u) => ({ stompUrl: u, api: new ManagementApi(managementTargetOf(u)) }))
      : [{ stompUrl: undefined, api: namedApi(brokerUrls[0], named) }];
  for (const { stompUrl, api } of candidates) {
    const left = Math.max(1, options.deadlineMs - Date.now());
    const timeoutMs =
      stompUrl === undefined ? left : Math.min(left, DEFAULT_MANAGEMENT_PROBE_TIMEOUT_MS);
    try {
      const listeners = await api.listeners({ timeoutMs });
      if (stompUrl === undefined) return { via: 'management', api };
      const port = stompPort(stompUrl);
      if (listeners.some((l) => l.protocol.startsWith('stomp') && l.port === port)) {
        return { via: 'management', api };
      }
      failures.push(
        `${api.label} belongs to a broker without a STOMP listener on port ${port} (${stompListeners(listeners)}): not the broker of ${redactUrl(stompUrl)}`,
      );
    } catch (err) {
      if (!(err instanceof ManagementApiError)) throw err;
      failures.push(err.message);
    }
  }
  const why = failures.join('; ');
  if (method === 'management' || named !== undefined) {
    throw new DeadLetterError('DLQ_NO_MANAGEMENT', `${why}; ${FLAGS}`);
  }
  return {
    via: 'stomp',
    notice: `${why}: read over STOMP instead, which holds each dead letter while it reads and counts a delivery on each; ${FLAGS} to read that way without this notice`,
  };
}

function namedApi(stompUrl: string | undefined, named: string): ManagementApi {
  try {
    // The login of the broker URL unless the named URL carries its own.
    return new ManagementApi(managementTargetOf(stompUrl ?? 'stomp://localhost', named));
  } catch (err) {
    throw new DeadLetterError(
      'DLQ_NO_MANAGEMENT',
      `--management-url '${redactUrl(named)}': ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

function stompPort(stompUrl: string): number {
  const url = new URL(stompUrl);
  return url.port === '' ? 61613 : Number(url.port);
}

function stompListeners(listeners: readonly { protocol: string; port: number }[]): string {
  const stomp = listeners.filter((l) => l.protocol.startsWith('stomp'));
  return stomp.length === 0
    ? 'it has no STOMP listener'
    : `its STOMP listeners: ${stomp.map((l) => `${l.protocol} ${l.port}`).join(', ')}`;
}
