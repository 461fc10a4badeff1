/** The embedded broker: a TCP listener, its connections, the router and the message store. */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { debuglog } from 'node:util';
import { Connection } from './connection.js';
import { BrokerError } from './errors.js';
import { encodeFrame } from './frame.js';
import { MessageStore } from './store.js';
import { Router } from './router.js';
import type { QueueStats } from './queue.js';
import { parseBrokerOptions, type BrokerOptions, type ResolvedBrokerOptions } from './options.js';

const debug = debuglog('aes-broker');

/** A running broker. `close()` is idempotent; the handle supports `await using`. */
export interface BrokerHandle extends AsyncDisposable {
  /** The port it listens on (the real one when started with port 0). */
  readonly port: number;
  readonly host: string;
  /** `stomp://host:port`, or `stomp+ssl://host:port` with the `tls` option. */
  readonly url: string;
  readonly options: ResolvedBrokerOptions;
  /** Open client connections. */
  connectionCount(): number;
  /** Messages waiting in each queue (not counting delivered, unacked ones). */
  queueDepths(): Record<string, number>;
  /** fdatasync calls of the store's journal so far: with group commit, many SENDs share one. */
  storeSyncs(): number;
  /** Depth, consumers and counters of every queue, and the store's size (for metrics). */
  stats(): BrokerStats;
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
}

/** Typed events of the broker; every member is optional and must not throw. */
export interface BrokerListener {
  /** The journal wrote and fdatasync'ed a group commit in `durationMs`. */
  synced?(event: { readonly durationMs: number }): void;
}

/**
 * Opens the store in `options.dataDir`, loads what it holds, and listens for STOMP clients.
 * Rejects with a typed {@link BrokerError} when the options, the store or the port fail.
 */
export async function startBroker(options: BrokerOptions): Promise<BrokerHandle> {
  const resolved = parseBrokerOptions(options);
  const store = await MessageStore.open(resolved.dataDir, {
    commitDelayMs: resolved.storeCommitDelayMs,
  });
  let router: Router;
  try {
    router = new Router(store, {
      maxDeliveries: resolved.maxDeliveries,
      deadLetterSuffix: resolved.deadLetterSuffix,
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  const connections = new Set<Connection>();
  const onSocket = (socket: Socket): void => accept(socket, router, resolved, connections);
  const tls = resolved.tls;
  let server: Server;
  if (tls === undefined) {
    server = createServer({ noDelay: true }, onSocket);
  } else {
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
    server = tlsServer;
  }
  try {
    await listen(server, resolved.port, resolved.host);
  } catch (err) {
    router.stop();
    await store.close();
    throw new BrokerError('BROKER_LISTEN', `cannot listen on ${resolved.host}:${resolved.port}`, {
      cause: err,
    });
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : resolved.port;
  debug('broker: listening on %s:%d, data in %s', resolved.host, port, resolved.dataDir);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      router.stop();
      const errors: unknown[] = [];
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of [...connections]) {
        try {
          c.destroy();
        } catch (err) {
          errors.push(err);
        }
      }
      await serverClosed;
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
  const listeners = new Set<BrokerListener>();
  store.onSynced = (durationMs) => {
    for (const l of listeners) {
      try {
        l.synced?.({ durationMs });
      } catch {
        // A faulty listener must not affect the others or the store.
      }
    }
  };
  return {
    port,
    host,
    url: `${tls === undefined ? 'stomp' : 'stomp+ssl'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    options: resolved,
    connectionCount: () => connections.size,
    queueDepths: () => router.queueDepths(),
    storeSyncs: () => store.syncCount(),
    stats: () => ({
      connections: connections.size,
      queues: router.queueStats(),
      storeBytes: store.sizeBytes(),
      storeSyncs: store.syncCount(),
    }),
    listen: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function accept(
  socket: Socket,
  router: Router,
  options: ResolvedBrokerOptions,
  connections: Set<Connection>,
): void {
  if (connections.size >= options.maxConnections) {
    debug(
      'broker: refusing connection from %s: limit %d',
      socket.remoteAddress,
      options.maxConnections,
    );
    socket.on('error', () => undefined);
    socket.end(
      encodeFrame(
        'ERROR',
        [['message', `connection limit of ${options.maxConnections} reached`]],
        undefined,
        '1.0',
      ),
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
