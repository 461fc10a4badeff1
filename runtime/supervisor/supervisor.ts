/**
 * A node's endpoints as one group: each endpoint an `EndpointProcess`, addressed by name. What
 * `aes run`, `aes status` and `aes endpoint start|stop|restart NAME` will drive.
 */
import { RuntimeError, StateError } from '../errors.js';
import {
  EndpointProcess,
  type EndpointProcessListener,
  type EndpointProcessOptions,
  type EndpointProcessSnapshot,
} from './endpoint-process.js';

/** No endpoint of that name is supervised here. */
export class UnknownEndpointError extends RuntimeError {
  override readonly name = 'UnknownEndpointError';
  constructor(
    readonly endpoint: string,
    known: readonly string[],
  ) {
    super(
      'RUNTIME_BAD_STATE',
      `no endpoint '${endpoint}' (known: ${known.length > 0 ? known.join(', ') : 'none'})`,
      false,
    );
  }
}

export interface SupervisorOptions {
  /** Receives the events of every endpoint (each event names its endpoint). */
  readonly listener?: EndpointProcessListener;
}

export class Supervisor implements AsyncDisposable {
  private readonly endpoints = new Map<string, EndpointProcess>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: SupervisorOptions = {}) {}

  /** Adds an endpoint (stopped). Names are unique. */
  add(options: Omit<EndpointProcessOptions, 'listener'>): EndpointProcess {
    if (this.closing !== undefined) throw new StateError('the supervisor is closed');
    if (this.endpoints.has(options.name)) {
      throw new StateError(`endpoint '${options.name}' is already supervised`);
    }
    const process = new EndpointProcess(
      this.options.listener === undefined
        ? options
        : { ...options, listener: this.options.listener },
    );
    this.endpoints.set(options.name, process);
    return process;
  }

  /** The endpoint called `name`, or `undefined`. */
  get(name: string): EndpointProcess | undefined {
    return this.endpoints.get(name);
  }

  /** The endpoint called `name`; throws `UnknownEndpointError`. */
  getOrThrow(name: string): EndpointProcess {
    const endpoint = this.endpoints.get(name);
    if (endpoint === undefined) throw new UnknownEndpointError(name, this.names());
    return endpoint;
  }

  /** Names, sorted. */
  names(): string[] {
    return [...this.endpoints.keys()].sort();
  }

  /** Every endpoint's state, restarts, last error and in-flight step, sorted by name. */
  status(): EndpointProcessSnapshot[] {
    return this.names().map((name) => (this.endpoints.get(name) as EndpointProcess).snapshot());
  }

  /** Starts every endpoint that is stopped (or failed). */
  async startAll(): Promise<void> {
    await Promise.all([...this.endpoints.values()].map((e) => e.start()));
  }

  /** Stops every endpoint at once; each drains within its own limits. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.endpoints.values()].map((e) => e.stop()));
  }

  /** Starts one endpoint (also from `failed`); rejects with `UnknownEndpointError`. */
  async start(name: string): Promise<void> {
    await this.getOrThrow(name).start();
  }

  /**
   * Stops one endpoint (draining; SIGKILL after its grace, or `killAfterMs`); rejects with
   * `UnknownEndpointError`.
   */
  async stop(name: string, killAfterMs?: number): Promise<void> {
    await this.getOrThrow(name).stop(killAfterMs);
  }

  /** Stops and starts one endpoint, clearing a quarantine. */
  async restart(name: string): Promise<void> {
    await this.getOrThrow(name).restart();
  }

  /**
   * Stops one endpoint for good (it drains; a start or restart under way cannot revive it) and
   * forgets it, so that `add` may supervise a new process under its name. Until it has stopped
   * it is still listed (`stopping`). Rejects with `UnknownEndpointError`.
   */
  async remove(name: string): Promise<void> {
    const endpoint = this.getOrThrow(name);
    await endpoint.retire();
    if (this.endpoints.get(name) === endpoint) this.endpoints.delete(name);
  }

  /** Stops everything for good. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.stopAll();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
