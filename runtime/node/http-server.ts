/**
 * The node's HTTP surface: `/metrics` (Prometheus text), `/sd/prometheus` (HTTP service
 * discovery of every member), `/healthz`, `/readyz` (503 with the reasons when an endpoint does
 * not run), the status page `/` with its `/status.json`, and
 * `POST /api/endpoints/NAME/(start|stop|restart)`, which needs `Authorization: Bearer TOKEN`
 * (401 without it, 403 with a wrong one; nothing changes either way). `/dead-letters.json` lists
 * the dead letters of the node's endpoints; `POST /api/dead-letters/ID/(replay|drop)` and
 * `POST /api/endpoints/NAME/dead-letters/(replay|drop)` act on one or all of an endpoint's,
 * behind the same token; `?scope=cluster` lists every node's, `?node=NAME` acts on another's.
 * `/trace.json?id=ID` answers a record's lineage from the whole cluster (404 when no node has
 * it, 400 for a missing id). `/console.json` is the live console's data: the node's endpoints'
 * rates and errors, its embedded broker's queue depths, the members.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { METRICS_PATH, SD_PATH, type TargetGroup } from '../observability/index.js';
import type { EndpointAction } from './control.js';
import { STATUS_PAGE_CSP, renderStatusPage } from './status-page.js';

export interface HttpSurfaceHost {
  readonly node: string;
  /** The token control requests must carry. */
  readonly token: string;
  metrics(): Promise<{ readonly contentType: string; readonly text: string }>;
  /** Empty when ready; else why not. */
  notReady(): string[];
  serviceDiscovery(): Promise<TargetGroup[]>;
  /** What the status page shows (plain JSON). */
  status(): Promise<unknown>;
  /** What the page's live console shows (`/console.json`, plain JSON); without it, 404. */
  console?(): Promise<unknown>;
  /** Acts on an endpoint wherever it runs; resolves with its node. */
  act(action: EndpointAction, endpoint: string): Promise<string>;
  /** A record's steps across the cluster (`/trace.json?id=ID`); 404 when none, 400 for a bad id. */
  trace?(id: string): Promise<unknown>;
  /** The dead letters of the node's endpoints; without it, their routes answer 404. */
  readonly deadLetters?: DeadLetterHost;
}

export type DeadLetterAction = 'replay' | 'drop';
/** `node`: this node's endpoints; `cluster`: every node's, asked over the cluster protocol. */
export type DeadLetterScope = 'node' | 'cluster';
/** One dead letter by message id, or every one of an endpoint. */
export type DeadLetterTarget = { readonly messageId: string } | { readonly endpoint: string };

export interface DeadLetterHost {
  /** What `/dead-letters.json` serves (plain JSON). */
  list(scope?: DeadLetterScope): Promise<unknown>;
  /** Replays or drops, on `node`'s endpoints (default this node's); resolves with what was done. */
  act(action: DeadLetterAction, target: DeadLetterTarget, node?: string): Promise<unknown>;
}

export interface HttpSurface {
  readonly url: string;
  close(): Promise<void>;
}

/** The answer to a request that failed for a known reason. */
export class HttpStatusError extends Error {
  override readonly name = 'HttpStatusError';
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const ACTIONS: ReadonlySet<string> = new Set(['start', 'stop', 'restart']);
const CONTROL_PATH = /^\/api\/endpoints\/([^/]+)\/([a-z]+)$/;
const DEAD_LETTER_ACTIONS: ReadonlySet<string> = new Set(['replay', 'drop']);
const LETTER_PATH = /^\/api\/dead-letters\/([^/]+)\/([a-z]+)$/;
const ENDPOINT_LETTERS_PATH = /^\/api\/endpoints\/([^/]+)\/dead-letters\/([a-z]+)$/;

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** 401 without a bearer token, 403 with a wrong one (compared in constant time). */
function checkToken(req: IncomingMessage, token: string): void {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) throw new HttpStatusError(401, 'a control token is required');
  if (!timingSafeEqual(digest(match[1] ?? ''), digest(token))) {
    throw new HttpStatusError(403, 'wrong control token');
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(`${JSON.stringify(body)}\n`);
}

function decoded(text: string | undefined, what: string): string {
  try {
    return decodeURIComponent(text ?? '');
  } catch {
    throw new HttpStatusError(400, `bad ${what}`);
  }
}

/** `POST` a dead-letter action, token checked first; undefined when `path` is not one. */
async function deadLetterAction(
  host: HttpSurfaceHost,
  req: IncomingMessage,
  path: string,
  query: URLSearchParams,
): Promise<unknown> {
  const one = LETTER_PATH.exec(path);
  const all = one === null ? ENDPOINT_LETTERS_PATH.exec(path) : null;
  const match = one ?? all;
  if (match === null) return undefined;
  if (req.method !== 'POST') throw new HttpStatusError(405, 'use POST');
  req.resume(); // the body carries nothing
  checkToken(req, host.token);
  const action = match[2] ?? '';
  if (!DEAD_LETTER_ACTIONS.has(action)) throw new HttpStatusError(404, `no action '${action}'`);
  if (host.deadLetters === undefined) throw new HttpStatusError(404, 'no dead letters here');
  const target =
    one !== null
      ? { messageId: decoded(match[1], 'message id') }
      : { endpoint: decoded(match[1], 'endpoint name') };
  const node = query.get('node');
  if (node === '') throw new HttpStatusError(400, 'node= names no node');
  return host.deadLetters.act(action as DeadLetterAction, target, node ?? undefined);
}

function deadLetterScope(query: URLSearchParams): DeadLetterScope {
  const scope = query.get('scope') ?? 'node';
  if (scope !== 'node' && scope !== 'cluster') {
    throw new HttpStatusError(400, `scope '${scope}': expected node or cluster`);
  }
  return scope;
}

async function route(host: HttpSurfaceHost, req: IncomingMessage, res: ServerResponse) {
  const [path = '/', query = ''] = (req.url ?? '/').split('?');
  const done = await deadLetterAction(host, req, path, new URLSearchParams(query));
  if (done !== undefined) {
    json(res, 200, done);
    return;
  }
  const control = CONTROL_PATH.exec(path);
  if (control !== null) {
    if (req.method !== 'POST') throw new HttpStatusError(405, 'use POST');
    req.resume(); // the body carries nothing
    checkToken(req, host.token);
    const action = control[2] ?? '';
    if (!ACTIONS.has(action)) throw new HttpStatusError(404, `no action '${action}'`);
    const endpoint = decoded(control[1], 'endpoint name');
    json(res, 200, { node: await host.act(action as EndpointAction, endpoint) });
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  switch (path) {
    case METRICS_PATH: {
      const { contentType, text } = await host.metrics();
      res.writeHead(200, { 'content-type': contentType }).end(text);
      return;
    }
    case SD_PATH:
      json(res, 200, await host.serviceDiscovery());
      return;
    case '/healthz':
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    case '/readyz': {
      const reasons = host.notReady();
      json(res, reasons.length === 0 ? 200 : 503, { ready: reasons.length === 0, reasons });
      return;
    }
    case '/':
      res
        .writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': STATUS_PAGE_CSP,
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
          'cache-control': 'no-store',
        })
        .end(renderStatusPage(host.node));
      return;
    case '/status.json':
      json(res, 200, await host.status());
      return;
    case '/console.json':
      if (host.console === undefined) throw new HttpStatusError(404, 'no console here');
      json(res, 200, await host.console());
      return;
    case '/trace.json':
      if (host.trace === undefined) throw new HttpStatusError(404, 'no lineage here');
      json(res, 200, await host.trace(new URLSearchParams(query).get('id') ?? ''));
      return;
    case '/dead-letters.json':
      if (host.deadLetters === undefined) throw new HttpStatusError(404, 'no dead letters here');
      json(res, 200, await host.deadLetters.list(deadLetterScope(new URLSearchParams(query))));
      return;
    default:
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
}

export async function startHttpSurface(
  host: string,
  port: number,
  surface: HttpSurfaceHost,
): Promise<HttpSurface> {
  const server: Server = createServer((req, res) => {
    route(surface, req, res).catch((err: unknown) => {
      const status = err instanceof HttpStatusError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (res.headersSent) res.destroy();
      else json(res, status, { error: message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shown}:${address.port}`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

/** The HTTP URL others reach: the configured one, else what is bound (a wildcard: our hostname). */
export function advertisedUrl(configured: string | undefined, bound: string): string {
  if (configured !== undefined) return configured.replace(/\/+$/, '');
  const url = new URL(bound);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = hostname();
  return url.origin;
}
