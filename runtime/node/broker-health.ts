/**
 * What a node knows of the brokers it depends on, for `/readyz`, `aes status` and the status page:
 *
 * - its own broker: the embedded one is usable while it listens; an external one while the node
 *   can reach it. Evidence first: while one of the node's endpoints holds a connection to it, it
 *   is reachable and nothing else is done; otherwise a TCP connect to each URL in turn, with a
 *   deadline, every `BROKER_PROBE_INTERVAL_MS` (and at once when an endpoint reports a loss).
 *   The probe sends nothing and closes at once: brokers may log it as a short connection.
 * - each endpoint's broker connection, from the endpoint's `broker` reports over its link.
 */
import { connect } from 'node:net';
import { brokerSocketAddress, type BrokerSocketAddress } from '../../transports/index.js';
import { withDeadline } from '../../util/index.js';
import type { BrokerHandle } from '../../broker/index.js';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import type { EndpointBrokerReport } from '../link/protocol.js';
import type { Logger } from './logger.js';
import type { EndpointBrokerStatus } from './status.js';

/** How often an external broker is probed while no endpoint of the node is connected to it. */
export const BROKER_PROBE_INTERVAL_MS = 5_000;
/** Deadline of one probe's TCP connect. */
export const BROKER_PROBE_TIMEOUT_MS = 2_000;

/** The node's own broker, as its readiness sees it. */
export interface BrokerHealth {
  /** `undefined` while nothing is known yet (or the broker cannot be probed: `memory://`). */
  up(): boolean | undefined;
  /** Why the broker is not usable; empty while it is (or nothing is known). */
  reasons(): string[];
  /** Something changed that may settle the question at once (an endpoint's report). */
  check(): void;
  /** Stops probing. Idempotent. */
  close(): void;
}

/** The embedded broker: usable while it listens. */
export function embeddedBrokerHealth(broker: BrokerHandle): BrokerHealth {
  return {
    up: () => broker.listening,
    reasons: () => {
      if (!broker.listening) return [`embedded broker ${broker.url} is not listening`];
      const failure = broker.storeFailure();
      if (failure === undefined) return [];
      const since = new Date(failure.sinceMs).toISOString();
      return [`embedded broker's store cannot write since ${since}: ${failure.message}`];
    },
    check: () => undefined,
    close: () => undefined,
  };
}

/** Connects to `address` and closes again; rejects with why it could not, by the deadline. */
async function reach(address: BrokerSocketAddress, timeoutMs: number, signal: AbortSignal) {
  const where = `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  await withDeadline(
    {
      operation: `connect to ${where}`,
      timeoutMs,
      signal,
      unref: true,
      errors: {
        timeout: (operation, ms) => new Error(`${operation}: no answer within ${ms} ms`),
        aborted: (operation) => new Error(`${operation}: cancelled`),
      },
    },
    (cut) =>
      new Promise<void>((resolve, reject) => {
        const socket = connect({ host: address.host, port: address.port });
        const done = (err?: Error) => {
          cut.removeEventListener('abort', onCut);
          socket.destroy();
          if (err === undefined) resolve();
          else reject(new Error(`connect to ${where}: ${err.message}`));
        };
        const onCut = () => done(cut.reason as Error);
        cut.addEventListener('abort', onCut, { once: true });
        socket.once('connect', () => done());
        socket.once('error', (err) => done(err));
      }),
  );
}

export interface ExternalBrokerProbeOptions {
  /** The broker URLs, as configured (credentials are never logged). */
  readonly urls: readonly string[];
  /** True while one of the node's endpoints is connected to the broker: no probe needed. */
  readonly connected: () => boolean;
  readonly log: Logger;
  /** @defaultValue BROKER_PROBE_INTERVAL_MS */
  readonly intervalMs?: number;
  /** @defaultValue BROKER_PROBE_TIMEOUT_MS */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
}

interface Verdict {
  readonly up: boolean;
  readonly sinceMs: number;
  readonly reason: string | undefined;
}

/** An external broker: reachable while an endpoint is connected to it, else by a TCP probe. */
export class ExternalBrokerProbe implements BrokerHealth {
  private readonly addresses: BrokerSocketAddress[];
  private readonly clock: Clock;
  private readonly shutdown = new AbortController();
  private verdict: Verdict | undefined;
  private timer: TimerHandle | undefined;
  private probing = false;
  private again = false;

  constructor(private readonly options: ExternalBrokerProbeOptions) {
    this.clock = options.clock ?? systemClock;
    this.addresses = options.urls.flatMap((u) => {
      const address = brokerSocketAddress(u);
      return address === undefined ? [] : [address];
    });
  }

  /** The first probe now, then one per interval. */
  start(): void {
    this.check();
  }

  up(): boolean | undefined {
    return this.verdict?.up;
  }

  reasons(): string[] {
    const v = this.verdict;
    if (v === undefined || v.up) return [];
    const since = new Date(v.sinceMs).toISOString();
    return [`broker unreachable since ${since}: ${v.reason ?? 'unknown'}`];
  }

  check(): void {
    if (this.shutdown.signal.aborted || this.addresses.length === 0) return;
    if (this.probing) {
      this.again = true;
      return;
    }
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.probing = true;
    void this.tick().finally(() => {
      this.probing = false;
      if (this.shutdown.signal.aborted) return;
      if (this.again) {
        this.again = false;
        this.check();
        return;
      }
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        this.check();
      }, this.options.intervalMs ?? BROKER_PROBE_INTERVAL_MS);
      this.timer.unref?.();
    });
  }

  close(): void {
    this.shutdown.abort();
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.options.connected()) {
      this.settle(true, undefined);
      return;
    }
    const failures: string[] = [];
    for (const address of this.addresses) {
      try {
        await reach(
          address,
          this.options.timeoutMs ?? BROKER_PROBE_TIMEOUT_MS,
          this.shutdown.signal,
        );
        this.settle(true, undefined);
        return;
      } catch (err) {
        if (this.shutdown.signal.aborted) return;
        failures.push((err as Error).message);
      }
    }
    // An endpoint may have connected while the probe waited: its word counts.
    if (this.options.connected()) this.settle(true, undefined);
    else this.settle(false, failures.join('; '));
  }

  private settle(up: boolean, reason: string | undefined): void {
    const was = this.verdict;
    if (was !== undefined && was.up === up) {
      if (!up) this.verdict = { ...was, reason };
      return;
    }
    this.verdict = { up, sinceMs: this.clock.now(), reason };
    if (!up) this.options.log.warn('broker unreachable', { reason });
    else if (was !== undefined) this.options.log.info('broker reachable again');
  }
}

/** The node's broker: the embedded one when it runs one, else the external one, probed from now. */
export function watchNodeBroker(
  embedded: BrokerHandle | undefined,
  external: ExternalBrokerProbeOptions,
): BrokerHealth {
  if (embedded !== undefined) return embeddedBrokerHealth(embedded);
  const probe = new ExternalBrokerProbe(external);
  probe.start();
  return probe;
}

/** An endpoint's broker connection as its node knows it. */
export interface EndpointBrokerView {
  readonly state: EndpointBrokerReport['state'];
  readonly url: string;
  readonly error: string | null;
  /** When it entered this state (endpoint's report time: the same machine's clock). */
  readonly sinceMs: number;
}

/** The view after `report`: the state's start is kept while the state stays. */
export function nextBrokerView(
  previous: EndpointBrokerView | null,
  report: EndpointBrokerReport,
): EndpointBrokerView {
  const same = previous !== null && previous.state === report.state;
  return {
    state: report.state,
    url: report.url,
    error: report.state === 'connected' ? null : (report.error ?? (same ? previous.error : null)),
    sinceMs: same ? previous.sinceMs : report.atMs,
  };
}

/** What `aes status` shows of an endpoint's broker connection. */
export function brokerStatus(
  view: EndpointBrokerView | null,
  nowMs: number,
): EndpointBrokerStatus | null {
  if (view === null) return null;
  return {
    state: view.state,
    url: view.url,
    error: view.error,
    since: new Date(view.sinceMs).toISOString(),
    ageMs: Math.max(0, nowMs - view.sinceMs),
  };
}

/**
 * The `/readyz` reason of a running endpoint that is not connected to its broker (not yet, or no
 * more), else undefined: an endpoint is ready once its broker connection is up.
 */
export function brokerReason(
  endpoint: string,
  view: EndpointBrokerView | null,
): string | undefined {
  if (view === null) return `endpoint ${endpoint}: no broker connection reported yet`;
  if (view.state === 'connected') return undefined;
  const since = new Date(view.sinceMs).toISOString();
  const why = view.error === null ? '' : `: ${view.error}`;
  return `endpoint ${endpoint}: broker ${view.url} ${view.state} since ${since}${why}`;
}
