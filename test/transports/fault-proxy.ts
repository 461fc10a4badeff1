/**
 * A loopback TCP proxy between a client and a real broker that can inject network faults:
 * sever every connection, refuse new ones for a while, or swallow the broker's replies
 * (a black hole: bytes go up, nothing comes back). The shared brokers are never restarted;
 * this is how the conformance suite cuts connections to them.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
}

export class FaultProxy {
  private readonly pairs = new Set<Pair>();
  private refuseUntil = 0;
  private silent = false;
  private swallowReplies = false;
  /** Connections accepted so far (refused ones included). */
  accepted = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: { readonly host: string; readonly port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy: no port');
    const proxy = new FaultProxy(server, address.port, target);
    server.on('connection', (socket) => proxy.accept(socket));
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** Destroys every open connection, both sides, like a broken network path. */
  sever(): void {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
  }

  /** New connections are closed at once for `ms`. */
  refuseFor(ms: number): void {
    this.refuseUntil = Date.now() + ms;
  }

  /** New connections are accepted and then ignored (never forwarded) while on. */
  setSilent(on: boolean): void {
    this.silent = on;
  }

  /** While on, the broker's bytes are dropped on their way to the client. */
  setBlackHole(on: boolean): void {
    this.swallowReplies = on;
  }

  get connections(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    this.sever();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted += 1;
    client.on('error', () => {});
    if (Date.now() < this.refuseUntil) {
      client.destroy();
      return;
    }
    if (this.silent) {
      // Held open and never answered; destroyed by sever() or close().
      const upstream = new (client.constructor as typeof Socket)();
      this.pairs.add({ client, upstream });
      return;
    }
    const upstream = connect({ host: this.target.host, port: this.target.port });
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    upstream.on('error', () => {});
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (!this.swallowReplies) client.write(chunk);
    });
  }
}
