/**
 * The two calls `aes dlq` makes to RabbitMQ's management HTTP API (the `rabbitmq_management`
 * plugin): `GET /api/overview`, whose listeners tell whether the API belongs to the broker a
 * STOMP URL names, and `POST /api/queues/{vhost}/{queue}/get`, which reads a queue's messages and
 * gives them back. Node's own `fetch`, every request with a deadline.
 */

/** The management plugin's default ports, plain and TLS. */
export const DEFAULT_MANAGEMENT_PORT = 15672;
export const DEFAULT_MANAGEMENT_TLS_PORT = 15671;

export type ManagementApiErrorCode =
  /** Nothing answered in time (refused, unknown host, deadline). */
  | 'MANAGEMENT_UNREACHABLE'
  /** It answered with an error status (a login refused, a user without the management tag). */
  | 'MANAGEMENT_REFUSED'
  /** It answered something that is not the management API's JSON. */
  | 'MANAGEMENT_BAD_ANSWER';

/** A management API request that failed; `message` names the API by its URL (no password). */
export class ManagementApiError extends Error {
  override readonly name = 'ManagementApiError';
  constructor(
    readonly code: ManagementApiErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where the API is and how to log in to it. */
export interface ManagementTarget {
  /** Base URL without credentials, ending in `/` (a `management.path_prefix` kept). */
  readonly base: URL;
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** The virtual host of the broker's queues. */
  readonly vhost: string;
}

/** One listener of the broker's nodes, as `/api/overview` lists them. */
export interface ManagementListener {
  readonly protocol: string;
  readonly port: number;
}

/** A message as `/get` answers it (`encoding: base64`). */
export interface ManagementMessage {
  readonly payload: Buffer;
  readonly redelivered: boolean;
  readonly properties: Readonly<Record<string, unknown>>;
}

/**
 * The API of the broker `stompUrl` names: `explicit` when given (its own login, else the STOMP
 * URL's), else derived: the same host on port 15672 over `http` (`stomp+ssl`: 15671 over
 * `https`). The STOMP URL's `vhost` parameter (default `/`) is the virtual host.
 */
export function managementTargetOf(stompUrl: string, explicit?: string): ManagementTarget {
  const stomp = new URL(stompUrl);
  const login = decodeURIComponent(stomp.username);
  const passcode = decodeURIComponent(stomp.password);
  const vhost = stomp.searchParams.get('vhost') ?? '/';
  let base: URL;
  if (explicit === undefined) {
    const tls = stomp.protocol === 'stomp+ssl:';
    base = new URL(
      `${tls ? 'https' : 'http'}://${stomp.hostname}:${tls ? DEFAULT_MANAGEMENT_TLS_PORT : DEFAULT_MANAGEMENT_PORT}/`,
    );
  } else {
    base = new URL(explicit);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new TypeError(`management URL '${explicit}': expected http:// or https://`);
    }
  }
  const user = base.username === '' ? login : decodeURIComponent(base.username);
  const password = base.username === '' ? passcode : decodeURIComponent(base.password);
  base.username = '';
  base.password = '';
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  return {
    base,
    user: user === '' ? undefined : user,
    password: user === '' ? undefined : password,
    vhost,
  };
}

export interface ManagementRequestOptions {
  readonly timeoutMs: number;
}

/** A client of one management API. */
export class ManagementApi {
  constructor(readonly target: ManagementTarget) {}

  /** The API's URL, for messages. */
  get label(): string {
    return this.target.base.href;
  }

  /** Every listener of every node of the broker. */
  async listeners(options: ManagementRequestOptions): Promise<ManagementListener[]> {
    const body = await this.request('GET', 'api/overview', undefined, options);
    const listeners = isRecord(body) ? body.listeners : undefined;
    if (!Array.isArray(listeners)) throw this.badAnswer('api/overview', 'no listeners');
    return listeners.filter(isRecord).map((l) => ({
      protocol: typeof l.protocol === 'string' ? l.protocol : '',
      port: typeof l.port === 'number' ? l.port : -1,
    }));
  }

  /**
   * Up to `count` messages from the head of `queue`, each given back to the queue afterwards
   * (`ackmode: ack_requeue_true`, a `basic.nack` with requeue since RabbitMQ 3.11.x/3.12.x).
   * Resolves to `undefined` when the queue does not exist.
   */
  async getMessages(
    queue: string,
    count: number,
    options: ManagementRequestOptions,
  ): Promise<ManagementMessage[] | undefined> {
    const path = `api/queues/${encodeURIComponent(this.target.vhost)}/${encodeURIComponent(queue)}/get`;
    const body = await this.request(
      'POST',
      path,
      { count, ackmode: 'ack_requeue_true', encoding: 'base64' },
      options,
    );
    if (body === NOT_FOUND) return undefined;
    if (!Array.isArray(body)) throw this.badAnswer(path, 'not a list of messages');
    return body.map((m: unknown) => {
      if (!isRecord(m) || typeof m.payload !== 'string') {
        throw this.badAnswer(path, 'a message without a payload');
      }
      const encoding = m.payload_encoding;
      return {
        payload: Buffer.from(m.payload, encoding === 'base64' ? 'base64' : 'utf8'),
        redelivered: m.redelivered === true,
        properties: isRecord(m.properties) ? m.properties : {},
      };
    });
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    json: unknown,
    options: ManagementRequestOptions,
  ): Promise<unknown> {
    const url = new URL(path, this.target.base);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.target.user !== undefined) {
      const login = `${this.target.user}:${this.target.password ?? ''}`;
      headers.authorization = `Basic ${Buffer.from(login).toString('base64')}`;
    }
    if (json !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      // The deadline covers the answer's body too: a server that sends headers and then
      // stalls cannot hold the command past it.
      const signal = AbortSignal.timeout(options.timeoutMs);
      response = await fetch(url, {
        method,
        headers,
        signal,
        redirect: 'error',
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
      text = await response.text();
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
      const why = timedOut
        ? `no answer within ${options.timeoutMs} ms`
        : cause instanceof Error
          ? cause.message
          : String(cause);
      throw new ManagementApiError(
        'MANAGEMENT_UNREACHABLE',
        `RabbitMQ management API ${this.label} unreachable: ${why}`,
        { cause: err },
      );
    }
    if (response.status === 404 && path.endsWith('/get')) return NOT_FOUND;
    if (!response.ok) {
      const hint =
        response.status === 401
          ? ` (login '${this.target.user ?? ''}' refused: the user needs RabbitMQ's management or monitoring tag)`
          : '';
      throw new ManagementApiError(
        'MANAGEMENT_REFUSED',
        `RabbitMQ management API ${this.label}: ${method} ${path} answered ${response.status}${hint}: ${reasonOf(text)}`,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw this.badAnswer(path, 'not JSON', err);
    }
  }

  private badAnswer(path: string, what: string, cause?: unknown): ManagementApiError {
    return new ManagementApiError(
      'MANAGEMENT_BAD_ANSWER',
      `${this.label}${path} answered ${what}: is it RabbitMQ's management API?`,
      { cause },
    );
  }
}

const NOT_FOUND = Symbol('not found');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `reason` of the API's JSON error answer, else the text's first 200 characters. */
function reasonOf(text: string): string {
  try {
    const json = JSON.parse(text) as unknown;
    if (isRecord(json) && typeof json.reason === 'string') return json.reason;
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 200);
}
