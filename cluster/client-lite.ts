/**
 * IKC's ClientLite: a small client for scripts and programs that are not kernels. It connects to
 * one kernel, posts to and calls its published states, and is never part of the mesh (role
 * `client`: no broadcasts, not gossiped).
 */
import { randomBytes } from 'node:crypto';
import { CallError } from './errors.js';
import { Kernel } from './kernel.js';
import type { KernelInfo, KernelWaitOptions } from './kernel-types.js';
import type { MonitorCallbacks } from './monitor.js';
import type { ClusterTlsOptions } from './options.js';
import type { StateSpec } from './specifier.js';

export interface ClientLiteOptions {
  /** Kernel to connect to: `tcp://host:port`, `tls://host:port` or `unix:/path`. */
  readonly address: string;
  /** The kernel's shared secret (or this client's own token). */
  readonly secret?: string | Buffer;
  /** Client name; default `client-<random>`. */
  readonly name?: string;
  readonly tls?: ClusterTlsOptions;
  readonly allowUnauthenticated?: boolean;
  /** Deadline of the connection and handshake. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Default deadline of `call()`. */
  readonly callTimeoutMs?: number;
}

export class ClientLite implements AsyncDisposable {
  readonly #kernel: Kernel;
  readonly #server: KernelInfo;

  private constructor(kernel: Kernel, server: KernelInfo) {
    this.#kernel = kernel;
    this.#server = server;
  }

  /** Connects and authenticates; rejects with a typed error naming the address. */
  static async connect(options: ClientLiteOptions): Promise<ClientLite> {
    const kernel = new Kernel({
      name: options.name ?? `client-${randomBytes(6).toString('hex')}`,
      role: 'client',
      mesh: false,
      ...(options.secret === undefined ? {} : { secret: options.secret }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.callTimeoutMs === undefined ? {} : { callTimeoutMs: options.callTimeoutMs }),
      allowUnauthenticated: options.allowUnauthenticated === true,
    });
    try {
      const server = await kernel.connect(options.address, {
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      return new ClientLite(kernel, server);
    } catch (err) {
      await kernel.shutdown('connect failed', { graceMs: 100 });
      throw err;
    }
  }

  /** The kernel this client is connected to. */
  get server(): KernelInfo {
    return this.#server;
  }

  /** Posts an event; the kernel in `spec` must be the connected one (or `*`). */
  post(spec: string | StateSpec, args?: unknown): boolean {
    return this.#kernel.post(spec, args);
  }

  call(
    spec: string | StateSpec,
    args?: unknown,
    options: KernelWaitOptions = {},
  ): Promise<unknown> {
    return this.#kernel.call(spec, args, options);
  }

  /** Watches the connected kernel: errors it reports (e.g. a post to an unpublished state), channel close. */
  monitor(callbacks: MonitorCallbacks): () => void {
    return this.#kernel.monitor(this.#server.name, callbacks);
  }

  ping(options: KernelWaitOptions = {}): Promise<'PONG'> {
    return this.#kernel.ping(this.#server.name, options);
  }

  /** Resolves once queued posts are below the high-water mark. */
  waitWritable(options: KernelWaitOptions = {}): Promise<void> {
    if (this.#kernel.getKernel(this.#server.name) === undefined) {
      return Promise.reject(
        new CallError('CHANNEL_CLOSED', `not connected to '${this.#server.name}'`),
      );
    }
    return this.#kernel.waitWritable(this.#server.name, options);
  }

  /** Flushes what is queued, says goodbye and closes. Idempotent. */
  close(): Promise<void> {
    return this.#kernel.shutdown('client closing');
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
