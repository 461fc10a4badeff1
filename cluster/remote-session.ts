/** A local proxy of a remote session, created by `subscribe()`: post and call it like a local one. */
import type { StateSpec } from './specifier.js';

/** The kernel side a proxy needs. */
export interface ProxyHost {
  post(spec: StateSpec, args: unknown): boolean;
  call(
    spec: StateSpec,
    args: unknown,
    options: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<unknown>;
}

export class RemoteSession {
  readonly kernel: string;
  readonly session: string;
  #states: readonly string[];
  readonly #host: ProxyHost;
  #active = true;

  constructor(host: ProxyHost, kernel: string, session: string, states: readonly string[]) {
    this.#host = host;
    this.kernel = kernel;
    this.session = session;
    this.#states = states;
  }

  /** The published states the remote kernel reported (updated on retract). */
  get states(): readonly string[] {
    return this.#states;
  }
  /** False once unsubscribed, retracted entirely or the kernel is gone. */
  get active(): boolean {
    return this.#active;
  }
  /** The proxy's specifier, `poe://kernel/session`. */
  get spec(): string {
    return `poe://${this.kernel}/${this.session}`;
  }

  post(state: string, args?: unknown): boolean {
    return this.#host.post({ kernel: this.kernel, session: this.session, state }, args);
  }

  call(
    state: string,
    args?: unknown,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<unknown> {
    return this.#host.call({ kernel: this.kernel, session: this.session, state }, args, options);
  }

  /** @internal */
  setStates(states: readonly string[]): void {
    this.#states = states;
  }
  /** @internal */
  deactivate(): void {
    this.#active = false;
  }
}
