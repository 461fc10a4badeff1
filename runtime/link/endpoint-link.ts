/**
 * The endpoint's end of its link: a small kernel (`<endpoint>@<node>`) connected to its node
 * over the node's Unix socket, authenticated by the launch token (or, for an endpoint started by
 * hand, the node's secret). It reports heartbeats with counters, progress and log lines, fetches
 * its launch config, and publishes `stop` for the node to call.
 */
import { Kernel } from '../../cluster/index.js';
import type { EndpointListener, StepEvent } from '../endpoint/progress.js';
import { LatestThrottle } from './latest-throttle.js';
import { LineageBatcher } from './lineage-batcher.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import {
  ENDPOINT_SESSION,
  LINK_HEARTBEAT_TIMEOUT_MS,
  NODE_SESSION,
  endpointKernelName,
  LEASE_WAIT_MS,
  type EndpointLaunchConfig,
  type EndpointLeaseAnswer,
  type EndpointReport,
  type LogLevel,
} from './protocol.js';

/**
 * Step changes are reported at most this often (the latest one): the node's view of the step
 * is never older than this, and a few changes per record do not each wake the node.
 */
export const PROGRESS_INTERVAL_MS = 20;

export interface EndpointLinkOptions {
  /** The node's Unix socket, `unix:/path` (or any cluster address). */
  readonly address: string;
  readonly node: string;
  readonly endpoint: string;
  /** The launch token, or the node's secret when attaching by hand. */
  readonly secret: string;
  /** @defaultValue 10 s */
  readonly timeoutMs?: number;
}

export class EndpointLink implements AsyncDisposable {
  private stopHandler: (() => void) | undefined;
  private lostHandler: ((reason: string) => void) | undefined;
  private lostReason: string | undefined;
  private closing: Promise<void> | undefined;
  /** The endpoint whose heartbeats this link sends (a last one goes out at close). */
  private lastWords: Endpoint | undefined;
  /** Step changes, at most one report per PROGRESS_INTERVAL_MS (the latest). */
  private readonly progress = new LatestThrottle<StepEvent>(
    (event) =>
      this.report({
        kind: 'progress',
        step: event.step,
        sinceMs: event.sinceMs,
        ids: event.ids === undefined ? null : [...event.ids],
      }),
    PROGRESS_INTERVAL_MS,
  );

  /** Records' steps, batched. */
  private readonly lineage = new LineageBatcher({ send: (report) => this.report(report) });

  private constructor(
    private readonly kernel: Kernel,
    readonly options: EndpointLinkOptions,
  ) {}

  /** Connects and authenticates; rejects with the cluster's typed error. */
  static async connect(options: EndpointLinkOptions): Promise<EndpointLink> {
    const kernel = new Kernel({
      name: endpointKernelName(options.endpoint, options.node),
      secret: options.secret,
      mesh: false,
      // The node's hang detection, not this link, judges the endpoint.
      heartbeatTimeoutMs: LINK_HEARTBEAT_TIMEOUT_MS,
    });
    const link = new EndpointLink(kernel, options);
    kernel.addSession(ENDPOINT_SESSION, {
      stop: () => {
        link.stopHandler?.();
        return 'stopping';
      },
    });
    kernel.publish(ENDPOINT_SESSION, ['stop'], { allow: [options.node] });
    kernel.monitor(options.node, {
      unregister: (event) => {
        // Our own close says goodbye too; only a node that went away is news.
        if (link.closing !== undefined) return;
        link.lostReason ??= `${event.cause}: ${event.reason}`;
        link.lostHandler?.(link.lostReason);
      },
    });
    try {
      await kernel.connect(options.address, { timeoutMs: options.timeoutMs ?? 10_000 });
    } catch (err) {
      await kernel.shutdown('connect failed', { graceMs: 100 });
      throw err;
    }
    return link;
  }

  /**
   * Asks the node what to run; `standby`: this process may stand by warm for the lease (one its
   * node launched; one run by hand is refused instead while another node holds the lease).
   */
  async fetchConfig(options: { readonly standby?: boolean } = {}): Promise<EndpointLaunchConfig> {
    return (await this.kernel.call(
      `poe://${this.options.node}/${NODE_SESSION}/config`,
      { endpoint: this.options.endpoint, ...(options.standby === true && { standby: true }) },
      { timeoutMs: this.options.timeoutMs ?? 10_000 },
    )) as EndpointLaunchConfig;
  }

  /**
   * A warm standby's wait: resolves with the config to run once the node holds the endpoint's
   * lease, or `null` when the node answered that it still does not (ask again).
   */
  async awaitLease(): Promise<EndpointLaunchConfig | null> {
    const answer = (await this.kernel.call(
      `poe://${this.options.node}/${NODE_SESSION}/lease`,
      { endpoint: this.options.endpoint },
      { timeoutMs: LEASE_WAIT_MS + (this.options.timeoutMs ?? 10_000) },
    )) as EndpointLeaseAnswer;
    return answer.config;
  }

  /** Called when the node asks this endpoint to stop (drain and exit). */
  onStop(handler: () => void): void {
    this.stopHandler = handler;
  }

  /** Called when the link to the node is gone (from then on; see `lost` for earlier). */
  onLost(handler: (reason: string) => void): void {
    this.lostHandler = handler;
  }

  /**
   * Why the link to the node is gone, or `undefined` while it is up. A loss is remembered, so a
   * link lost before `onLost` was given (while the endpoint was loading) is not missed.
   */
  get lost(): string | undefined {
    return this.lostReason;
  }

  /**
   * Sends one report; dropped when the link is down (the node sees the silence). True when the
   * link took it (not that the node got it), false when it was dropped.
   */
  report(report: EndpointReport): boolean {
    try {
      this.kernel.post(`poe://${this.options.node}/${NODE_SESSION}/report`, report);
      return true;
    } catch {
      // No route or queue full: heartbeats resume with the link; a lost log line is acceptable.
      return false;
    }
  }

  log(level: LogLevel, msg: string, fields: Readonly<Record<string, unknown>> = {}): void {
    this.report({ kind: 'log', level, msg, fields });
  }

  /** The listener that feeds this link from `endpoint`'s events. */
  listenerFor(endpoint: Endpoint): EndpointListener {
    return {
      heartbeat: (event) => this.heartbeat(endpoint, event.atMs),
      step: (event) => this.progress.push(event),
      lineage: (event) => this.lineage.push(event),
      error: (event) =>
        this.log('warn', `${event.step} failed: ${event.error.message}`, {
          step: event.step,
          attempt: event.attempt,
        }),
    };
  }

  /** Reports `endpoint`'s counters; the last one is sent again by `close()`. */
  private heartbeat(endpoint: Endpoint, atMs: number): void {
    this.lastWords = endpoint;
    const snapshot = endpoint.snapshot();
    this.report({
      kind: 'heartbeat',
      atMs,
      counters: { ...snapshot.counters },
      lastError: snapshot.lastError ?? null,
      doneAtLastError: snapshot.doneAtLastError,
      pid: process.pid,
      queues: endpoint.queues(),
    });
  }

  /** Flushes, says goodbye and closes. Idempotent. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      // The counts since the last heartbeat: the node adds them to the endpoint's totals.
      if (this.lastWords !== undefined) this.heartbeat(this.lastWords, Date.now());
      this.progress.flush();
      this.lineage.flush();
    }
    this.closing ??= this.kernel.shutdown('endpoint exiting', { graceMs: 1_000 });
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
