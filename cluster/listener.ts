/**
 * Where a kernel accepts connections: TCP (IPv4/IPv6), TLS or a Unix socket, bound to an
 * explicit address (default loopback) checked at start, with a concurrency limit that can be
 * changed at run time and a graceful close. Each connection is its own Link: an error on one
 * never touches another.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, isIP, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { formatAddress, parseAddress, type Address } from './address.js';
import { UsageError } from './errors.js';
import { encodeFrame } from './frame-codec.js';
import type { Link } from './link.js';
import { FrameType } from './messages.js';
import { encodeError } from './message-encoding.js';
import type { ClusterTlsOptions } from './options.js';
import type { KernelCounters } from './stats.js';

/** Default address of `listen()`: loopback, a free port. */
export const DEFAULT_LISTEN_ADDRESS = 'tcp://127.0.0.1:0';
export const DEFAULT_MAX_CONNECTIONS = 1024;
export const DEFAULT_GRACE_MS = 5_000;

export interface ListenOptions {
  /** Concurrent connections accepted; more are refused with BUSY. @defaultValue DEFAULT_MAX_CONNECTIONS */
  readonly maxConnections?: number;
  /** TLS material for a `tls://` address (defaults to the kernel's `tls`). */
  readonly tls?: ClusterTlsOptions;
}

/** What a listener needs from its kernel. */
export interface ListenerHost {
  readonly counters: KernelCounters;
  readonly tls: ClusterTlsOptions | undefined;
  accept(socket: Socket, listener: Listener, tls: boolean): Link;
}

export class Listener {
  readonly #host: ListenerHost;
  readonly #requested: Address;
  readonly #options: ListenOptions;
  #server: Server | undefined;
  #address = '';
  #maxConnections: number;
  readonly #links = new Set<Link>();
  #closing: Promise<void> | undefined;

  private constructor(host: ListenerHost, address: Address, options: ListenOptions) {
    this.#host = host;
    this.#requested = address;
    this.#options = options;
    this.#maxConnections = checkLimit(options.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
  }

  /** Validates the address, binds, and resolves once listening. */
  static async open(
    host: ListenerHost,
    addressText: string,
    options: ListenOptions = {},
  ): Promise<Listener> {
    const address = parseAddress(addressText);
    if (address.kind !== 'unix' && isIP(address.host) === 0 && address.host !== 'localhost') {
      throw new UsageError(
        'BAD_ADDRESS',
        `listen address '${addressText}': bind to an IP address (e.g. 127.0.0.1, ::1, 0.0.0.0), not a host name`,
      );
    }
    const listener = new Listener(host, address, options);
    await listener.#bind(addressText);
    return listener;
  }

  /** The bound address (port resolved), e.g. `tcp://127.0.0.1:40123`. */
  get address(): string {
    return this.#address;
  }
  get connections(): number {
    return this.#links.size;
  }
  get maxConnections(): number {
    return this.#maxConnections;
  }
  /** Changes the concurrency limit; live connections above it are kept, new ones refused. */
  set maxConnections(value: number) {
    this.#maxConnections = checkLimit(value);
  }

  async #bind(text: string): Promise<void> {
    const address = this.#requested;
    let server: Server;
    if (address.kind === 'tls') {
      const tls = this.#options.tls ?? this.#host.tls;
      if (tls?.key === undefined || tls.cert === undefined) {
        throw new UsageError(
          'BAD_OPTIONS',
          `listen address '${text}': a TLS listener needs 'tls.key' and 'tls.cert'`,
        );
      }
      server = createTlsServer(
        {
          key: tls.key,
          cert: tls.cert,
          ...(tls.ca === undefined ? {} : { ca: tls.ca, requestCert: true }),
          rejectUnauthorized: tls.rejectUnauthorized ?? true,
          minVersion: 'TLSv1.2',
        },
        (socket: TLSSocket) => this.#onConnection(socket, true),
      );
      // A failed TLS handshake never becomes a connection; keep the server up.
      server.on('tlsClientError', () => {
        this.#host.counters.authFailures += 1;
      });
    } else {
      server = createServer((socket) => this.#onConnection(socket, false));
    }
    if (address.kind === 'unix') await removeStaleSocket(address.path, text);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(
          new UsageError('BAD_ADDRESS', `cannot listen on '${text}': ${err.message}`, {
            cause: err,
          }),
        );
      server.once('error', onError);
      const done = (): void => {
        server.off('error', onError);
        resolve();
      };
      if (address.kind === 'unix') server.listen(address.path, done);
      else server.listen({ host: address.host, port: address.port, ipv6Only: false }, done);
    });
    server.on('error', () => undefined);
    this.#server = server;
    const bound = server.address();
    this.#address =
      address.kind === 'unix' || bound === null || typeof bound === 'string'
        ? formatAddress(address)
        : formatAddress({ kind: address.kind, host: bound.address, port: bound.port });
  }

  #onConnection(socket: Socket, tls: boolean): void {
    socket.on('error', () => undefined);
    if (this.#closing !== undefined || this.#links.size >= this.#maxConnections) {
      this.#host.counters.connectionsRefused += 1;
      socket.end(
        encodeFrame(
          FrameType.ERROR,
          encodeError(
            'BUSY',
            `listener ${this.#address} is at its limit of ${this.#maxConnections} connections`,
            'channel',
            null,
          ),
        ),
      );
      // Read (and drop) what the peer sends so its FIN is seen and the socket closes cleanly;
      // cut it after a second at the latest.
      socket.resume();
      const timer = setTimeout(() => socket.destroy(), 1_000);
      socket.once('close', () => clearTimeout(timer));
      return;
    }
    this.#host.counters.connectionsAccepted += 1;
    const link = this.#host.accept(socket, this, tls);
    this.#links.add(link);
    socket.once('close', () => this.#links.delete(link));
  }

  /**
   * Stops accepting, asks every live link to finish (BYE, queued frames flushed, calls being
   * handled allowed to answer) and waits for them up to `graceMs`, then cuts what is left.
   */
  close(
    options: { graceMs?: number; waitIdle?: (link: Link) => Promise<void> } = {},
  ): Promise<void> {
    this.#closing ??= this.#close(options.graceMs ?? DEFAULT_GRACE_MS, options.waitIdle);
    return this.#closing;
  }

  async #close(
    graceMs: number,
    waitIdle: ((link: Link) => Promise<void>) | undefined,
  ): Promise<void> {
    const server = this.#server;
    const stopped =
      server === undefined
        ? Promise.resolve()
        : new Promise<void>((resolve) => server.close(() => resolve()));
    const links = [...this.#links];
    let timer: NodeJS.Timeout | undefined;
    // A ref'd timer: something awaits it, so it must keep the process alive until it fires.
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([
      Promise.all(
        links.map(async (link) => {
          await waitIdle?.(link);
          link.close('listener closing');
          await link.closed;
        }),
      ),
      deadline,
    ]);
    clearTimeout(timer);
    for (const link of this.#links) link.destroy(new UsageError('SHUTDOWN', 'listener closed'));
    await stopped;
    if (this.#requested.kind === 'unix') {
      try {
        unlinkSync(this.#requested.path);
      } catch {
        // already gone
      }
    }
  }
}

function checkLimit(value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new UsageError('BAD_OPTIONS', 'maxConnections must be a non-negative integer');
  }
  return value;
}

/** A socket file left by a dead process is removed; one with a live server is an error. */
async function removeStaleSocket(path: string, text: string): Promise<void> {
  if (!existsSync(path)) return;
  const live = await new Promise<boolean>((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live)
    throw new UsageError(
      'BAD_ADDRESS',
      `cannot listen on '${text}': another process is listening there`,
    );
  unlinkSync(path);
}
