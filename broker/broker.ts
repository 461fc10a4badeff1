/** The embedded broker: a TCP listener, its connections, the router and the message store. */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { debuglog } from 'node:util';
import { Connection } from './connection.js';
import { BrokerError, BrokerOptionsError } from './errors.js';
import { encodeFrame } from './frame.js';
import { holdHeapHeadroom } from './heap-headroom.js';
import { MessageStore } from './store.js';
import { Router, type UnreadableMessage } from './router.js';
import type { QueueStats } from './queue.js';
import type { QuarantinedRecord } from './quarantine.js';
import type { StoreFailure } from './store-health.js';
import {
  INTERNAL_LISTENER_HOST,
  parseBrokerOptions,
  type BrokerOptions,
  type ResolvedBrokerOptions,
} from './options.js';

const debug = debuglog('aes-broker');

/** A running broker. `close()` is idempotent; the handle supports `await using`. */
export interface BrokerHandle extends AsyncDisposable {
  /** The port it listens on (the real one when started with port 0). */
  readonly port: number;
  readonly host: string;
  /** `stomp://host:port`, or `stomp+ssl://host:port` with the `tls` option. */
  readonly url: string;
  /** The internal listener's port on 127.0.0.1 (with the `internal` option), else undefined. */
  readonly internalPort: number | undefined;
  readonly options: ResolvedBrokerOptions;
  /** True while every listener accepts connections: from the start until `close()` begins. */
  readonly listening: boolean;
  /** Open client connections. */
  connectionCount(): number;
  /** Messages waiting in each queue (not counting delivered, unacked ones). */
  queueDepths(): Record<string, number>;
  /** fdatasync calls of the store's journal so far: with group commit, many SENDs share one. */
  storeSyncs(): number;
  /** Depth, consumers and counters of every queue, and the store's size (for metrics). */
  stats(): BrokerStats;
  /**
   * Corrupt records set aside at start-up (kept in `quarantine/` of the data directory) instead
   * of stopping it; empty normally. See docs/broker.md, Recovery.
   */
  quarantined(): readonly QuarantinedRecord[];
  /**
   * Why the store cannot write (a full disk, say) while that lasts: SENDs are refused with an
   * ERROR frame saying so until a write succeeds again; undefined while writes succeed.
   */
  storeFailure(): StoreFailure | undefined;
  /** Adds a listener; returns the function that removes it. */
  listen(listener: BrokerListener): () => void;
  /** Stops listening, drops every connection, flushes and closes the store. */
  close(): Promise<void>;
}

export interface BrokerStats {
  readonly connections: number;
  readonly queues: Readonly<Record<string, QueueStats>>;
  /** LMDB pages in use plus journal segments. */
  readonly storeBytes: number;
  /** fdatasync calls of the journal so far. */
  readonly storeSyncs: number;
  /** Corrupt records set aside at start-up (see {@link BrokerHandle.quarantined}). */
  readonly quarantinedRecords: number;
  /** Failed store writes so far (journal writes and LMDB commits; a full disk, say). */
  readonly storeFailures: number;
  /** True while the store's writes fail (see {@link BrokerHandle.storeFailure}). */
  readonly storeFailing: boolean;
  /**
   * Times LMDB was closed and opened again so that the pages its memory map read leave the
   * resident set (docs/broker.md, Backlogs and memory).
   */
  readonly storeMapReleases: number;
}

/** Typed events of the broker; every member is optional and must not throw. */
export interface BrokerListener {
  /** The journal wrote and fdatasync'ed a group commit in `durationMs`. */
  synced?(event: { readonly durationMs: number }): void;
  /**
   * A queued message could not be read for delivery (a corrupt record, or one missing from the
   * store) and left its queue's memory; a stored record stays stored and is loaded again at the
   * next start. It should never happen: log it as an error.
   */
  unreadable?(event: UnreadableMessage): void;
  /**
   * The store began to fail writes (`failure`: a full disk, say; SENDs are refused) or writes
   * again (`undefined`).
   */
  storeHealth?(failure: StoreFailure | undefined): void;
}

/**
 * Opens the store in `options.dataDir`, loads what it holds, and listens for STOMP clients.
 * Rejects with a typed {@link BrokerError} when the options, the store or the port fail.
 */
export async function startBroker(options: BrokerOptions): Promise<BrokerHandle> {
  const resolved = parseBrokerOptions(options);
  const listeners = new Set<BrokerListener>();
  const store = await MessageStore.open(resolved.dataDir, {
    commitDelayMs: resolved.storeCommitDelayMs,
    queueBytes: resolved.memoryBudgetMb * 1024 * 1024,
    onHealthChange: (failure) => emit((l) => l.storeHealth?.(failure)),
  });
  /** Tells every listener; a faulty one must not affect the others, the store or delivery. */
  const emit = (tell: (l: BrokerListener) => void): void => {
    for (const l of listeners) {
      try {
        tell(l);
      } catch {
        // Ignored: see above.
      }
    }
  };
  let router: Router;
  try {
    router = new Router(store, {
      maxDeliveries: resolved.maxDeliveries,
      deadLetterSuffix: resolved.deadLetterSuffix,
      onUnreadable: (event) => emit((l) => l.unreadable?.(event)),
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  const connections = new Set<Connection>();
  const internalConnections = new Set<Connection>();
  let server: Server;
  let internalServer: Server | undefined;
  try {
    server = createMainServer(resolved, (socket) => accept(socket, router, resolved, connections));
    const internal = resolved.internal;
    if (internal !== undefined) {
      // Its own logins only: the main listener's users may not skip TLS through it.
      const own: ResolvedBrokerOptions = { ...resolved, users: internal.users };
      internalServer = createServer({ noDelay: true }, (socket) =>
        accept(socket, router, own, internalConnections, Number.POSITIVE_INFINITY),
      );
    }
  } catch (err) {
    // A certificate or key that does not parse.
    router.stop();
    await store.close();
    throw new BrokerOptionsError('tls', `is not usable: ${(err as Error).message}`);
  }
  const servers = internalServer === undefined ? [server] : [server, internalServer];
  const closeServers = (): Promise<unknown> =>
    Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  const binds: [Server, number, string][] = [[server, resolved.port, resolved.host]];
  if (internalServer !== undefined) {
    binds.push([internalServer, resolved.internal?.port ?? 0, INTERNAL_LISTENER_HOST]);
  }
  for (const [s, port, host] of binds) {
    try {
      await listen(s, port, host);
    } catch (err) {
      await closeServers();
      router.stop();
      await store.close();
      const what = s === server ? '' : ' (internal listener)';
      throw new BrokerError('BROKER_LISTEN', `cannot listen on ${host}:${port}${what}`, {
        cause: err,
      });
    }
  }
  const port = boundPort(server, resolved.port);
  const internalPort = internalServer === undefined ? undefined : boundPort(internalServer, 0);
  debug('broker: listening on %s:%d, data in %s', resolved.host, port, resolved.dataDir);
  if (internalPort !== undefined) {
    debug('broker: internal listener on %s:%d', INTERNAL_LISTENER_HOST, internalPort);
  }
  // Only once listening: a broker that failed to start holds nothing to release.
  const releaseHeadroom = holdHeapHeadroom(resolved.heapHeadroomMb);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      releaseHeadroom();
      router.stop();
      const errors: unknown[] = [];
      const serversClosed = closeServers();
      for (const c of [...connections, ...internalConnections]) {
        try {
          c.destroy();
        } catch (err) {
          errors.push(err);
        }
      }
      await serversClosed;
      try {
        await store.close();
      } catch (err) {
        errors.push(err);
      }
      debug('broker: closed');
      if (errors.length > 0) {
        throw new BrokerError('BROKER_CLOSED', 'broker closed with errors', { cause: errors[0] });
      }
    })();
    return closing;
  };
  const host = resolved.host;
  const tls = resolved.tls;
  store.onSynced = (durationMs) => emit((l) => l.synced?.({ durationMs }));
  return {
    port,
    host,
    url: `${tls === undefined ? 'stomp' : 'stomp+ssl'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    internalPort,
    options: resolved,
    get listening() {
      return closing === undefined && servers.every((s) => s.listening);
    },
    connectionCount: () => connections.size + internalConnections.size,
    queueDepths: () => router.queueDepths(),
    storeSyncs: () => store.syncCount(),
    stats: () => ({
      connections: connections.size + internalConnections.size,
      queues: router.queueStats(),
      storeBytes: store.sizeBytes(),
      storeSyncs: store.syncCount(),
      quarantinedRecords: store.quarantined().length,
      storeFailures: store.health.failures,
      storeFailing: store.health.failure !== undefined,
      storeMapReleases: store.mapReleases,
    }),
    quarantined: () => store.quarantined(),
    storeFailure: () => store.health.failure,
    listen: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The listener everyone uses: plain TCP, or TLS with the `tls` option. Throws on unusable PEM. */
function createMainServer(
  resolved: ResolvedBrokerOptions,
  onSocket: (socket: Socket) => void,
): Server {
  const tls = resolved.tls;
  if (tls === undefined) return createServer({ noDelay: true }, onSocket);
  const mutual = tls.clientCa !== undefined;
  const tlsServer = createTlsServer(
    {
      cert: tls.cert,
      key: tls.key,
      ...(mutual ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
      // A handshake that never completes holds a socket: it gets the CONNECT deadline.
      handshakeTimeout: resolved.connectTimeoutMs,
    },
    onSocket,
  );
  tlsServer.on('tlsClientError', (err, socket) => {
    // Refused before any STOMP byte was read (untrusted client certificate, plain text on
    // the TLS port, a handshake timeout): this peer only; Node destroys its socket.
    debug('broker: TLS handshake from %s failed: %s', socket.remoteAddress, err.message);
  });
  return tlsServer;
}

function boundPort(server: Server, fallback: number): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : fallback;
}

function accept(
  socket: Socket,
  router: Router,
  options: ResolvedBrokerOptions,
  connections: Set<Connection>,
  limit = options.maxConnections,
): void {
  if (connections.size >= limit) {
    debug('broker: refusing connection from %s: limit %d', socket.remoteAddress, limit);
    socket.on('error', () => undefined);
    socket.end(
      encodeFrame('ERROR', [['message', `connection limit of ${limit} reached`]], undefined, '1.0'),
    );
    setTimeout(() => socket.destroy(), options.closeTimeoutMs).unref();
    return;
  }
  const connection = new Connection(socket, router, options, (c) => connections.delete(c));
  connections.add(connection);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
