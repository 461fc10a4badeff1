/**
 * A TCP relay of the test's own, to cut a link between two kernels for a while: it forwards each
 * connection on its port to a target port; `cut()` destroys every connection and stops listening
 * (dials are refused), `heal()` listens on the same port again; `freeze()` stops forwarding on the
 * connections it holds without closing them (a peer gone silent: no FIN, no RST).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpRelay {
  /** The port relayed to (set it when the target listens only after the relay exists). */
  target: number;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  /** Each relayed connection's two sockets, to stop the forwarding without closing them. */
  readonly #pairs = new Set<readonly [Socket, Socket]>();
  #port = 0;

  private constructor(target: number) {
    this.target = target;
  }

  /** Starts relaying from a free loopback port to `target` (a loopback port; 0: set later). */
  static async start(target: number): Promise<TcpRelay> {
    const relay = new TcpRelay(target);
    await relay.heal();
    return relay;
  }

  get port(): number {
    return this.#port;
  }

  get address(): string {
    return `tcp://127.0.0.1:${this.#port}`;
  }

  /** Connections relayed now (each counts its two sockets once). */
  get connections(): number {
    return this.#sockets.size / 2;
  }

  /** Stops forwarding on every connection held now; they stay open, and nothing is read. */
  freeze(): void {
    for (const [inbound, outbound] of this.#pairs) {
      inbound.unpipe(outbound);
      outbound.unpipe(inbound);
      inbound.pause();
      outbound.pause();
    }
  }

  /** Drops every relayed connection and refuses new ones until `heal()`. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    this.#pairs.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again (on the same port after a cut). */
  async heal(): Promise<void> {
    if (this.#server !== undefined) return;
    const server = createServer((inbound) => {
      const outbound = createConnection({ host: '127.0.0.1', port: this.target });
      this.#sockets.add(inbound);
      this.#sockets.add(outbound);
      const pair = [inbound, outbound] as const;
      this.#pairs.add(pair);
      const drop = (): void => {
        inbound.destroy();
        outbound.destroy();
        this.#sockets.delete(inbound);
        this.#sockets.delete(outbound);
        this.#pairs.delete(pair);
      };
      inbound.on('error', drop).on('close', drop);
      outbound.on('error', drop).on('close', drop);
      inbound.pipe(outbound);
      outbound.pipe(inbound);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  close(): Promise<void> {
    return this.cut();
  }
}
