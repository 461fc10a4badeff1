/**
 * The subscriptions this kernel holds on remote sessions: the SUBSCRIBE/SUBSCRIBED exchange
 * (kernel `*` = the first kernel that acknowledges), the local proxies, and what happens when a
 * remote kernel retracts states or goes away.
 */
import type { ClusterError, ClusterErrorCode } from './errors.js';
import type { Link } from './link.js';
import { FrameType, type RetractedMessage, type SubscribedMessage } from './messages.js';
import { encodeError, encodeSubscribe, encodeUnsubscribe } from './message-encoding.js';
import type { MonitorRegistry } from './monitor.js';
import { RemoteSession, type ProxyHost } from './remote-session.js';
import { ANY_KERNEL, parseSessionSpec } from './specifier.js';
import type { KernelCounters } from './stats.js';

/** What `subscribe()` reports. */
export interface SubscribeResult {
  readonly subscribed: readonly {
    readonly spec: string;
    readonly kernel: string;
    readonly session: string;
    readonly states: readonly string[];
    readonly proxy: RemoteSession;
  }[];
  readonly failed: readonly {
    readonly spec: string;
    readonly code: ClusterErrorCode;
    readonly message: string;
  }[];
}

export interface SubscriptionsHost {
  /** Where a specifier naming no kernel (`poe:/session`) goes. */
  readonly defaultKernel: string;
  links(): Link[];
  linkFor(name: string): Link | undefined;
  readonly proxyHost: ProxyHost;
  readonly monitors: MonitorRegistry;
  readonly counters: KernelCounters;
  reportError(
    link: Link | undefined,
    code: ClusterErrorCode,
    message: string,
    ref: string | undefined,
  ): void;
}

type Outcome =
  | { ok: true; kernel: string; session: string; states: readonly string[]; proxy: RemoteSession }
  | { ok: false; code: ClusterErrorCode; message: string };

interface PendingSubscribe {
  /** The links the SUBSCRIBE went to that have not answered yet. */
  readonly waiting: Set<Link>;
  onAck(link: Link, message: SubscribedMessage): void;
}

export class Subscriptions {
  readonly #host: SubscriptionsHost;
  /** Proxies by the specifier asked for and by their own (`poe://kernel/session`). */
  readonly #proxies = new Map<string, RemoteSession>();
  readonly #pending = new Map<number, PendingSubscribe>();
  #nextId = 1;

  constructor(host: SubscriptionsHost) {
    this.#host = host;
  }

  get(spec: string): RemoteSession | undefined {
    return this.#proxies.get(spec);
  }

  async subscribe(
    specs: readonly string[],
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<SubscribeResult> {
    const outcomes = await Promise.all(specs.map((spec) => this.#one(spec, options)));
    const subscribed: SubscribeResult['subscribed'][number][] = [];
    const failed: SubscribeResult['failed'][number][] = [];
    outcomes.forEach((o, i) => {
      const spec = specs[i] as string;
      if (o.ok)
        subscribed.push({
          spec,
          kernel: o.kernel,
          session: o.session,
          states: o.states,
          proxy: o.proxy,
        });
      else {
        failed.push({ spec, code: o.code, message: o.message });
        this.#host.reportError(undefined, o.code, `subscribe ${spec}: ${o.message}`, spec);
      }
    });
    return { subscribed, failed };
  }

  #one(spec: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<Outcome> {
    let target: { kernel: string; session: string };
    try {
      target = parseSessionSpec(spec, this.#host.defaultKernel);
    } catch (err) {
      const e = err as ClusterError;
      return Promise.resolve({ ok: false, code: e.code, message: e.message });
    }
    const existing = this.#proxies.get(spec);
    if (existing?.active === true) {
      return Promise.resolve({
        ok: true,
        kernel: existing.kernel,
        session: existing.session,
        states: existing.states,
        proxy: existing,
      });
    }
    let candidates: Link[];
    if (target.kernel === ANY_KERNEL) candidates = this.#host.links();
    else {
      const link = this.#host.linkFor(target.kernel);
      candidates = link === undefined ? [] : [link];
    }
    if (candidates.length === 0) {
      return Promise.resolve({
        ok: false,
        code: 'NO_ROUTE',
        message: `no connected kernel ${target.kernel === ANY_KERNEL ? 'at all' : `named '${target.kernel}'`}`,
      });
    }
    const id = this.#nextId++;
    return new Promise<Outcome>((resolve) => {
      // Ids are sequential, hence guessable: only a link the SUBSCRIBE went to may answer it,
      // and only once.
      const waiting = new Set<Link>();
      let settled = false;
      let lastFailure: Outcome = { ok: false, code: 'NOT_PUBLISHED', message: 'refused' };
      const finish = (outcome: Outcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onAbort = (): void =>
        finish({ ok: false, code: 'ABORTED', message: 'subscribe aborted' });
      const timer = setTimeout(() => {
        finish({
          ok: false,
          code: 'TIMEOUT',
          message: `no acknowledgement within ${options.timeoutMs} ms`,
        });
      }, options.timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        waiting,
        onAck: (link, message) => {
          const peer = link.peerName;
          if (message.ok) {
            if (settled) {
              // Someone else was first (or we gave up): undo this one.
              link.sendPriority(FrameType.UNSUBSCRIBE, encodeUnsubscribe(target.session));
            } else {
              // The session's own name (version 2): RETRACTED uses it, not the alias asked for.
              const session = message.session ?? target.session;
              const proxy = new RemoteSession(this.#host.proxyHost, peer, session, message.states);
              this.#proxies.set(spec, proxy);
              this.#proxies.set(proxy.spec, proxy);
              this.#proxies.set(`poe://${peer}/${target.session}`, proxy);
              this.#host.monitors.emit('subscribe', peer, {
                kernel: peer,
                session,
                states: message.states,
                direction: 'local',
              });
              finish({
                ok: true,
                kernel: peer,
                session,
                states: message.states,
                proxy,
              });
            }
          } else
            lastFailure = { ok: false, code: message.code, message: `${peer}: ${message.message}` };
          if (waiting.size === 0) {
            this.#pending.delete(id);
            finish(lastFailure);
          }
        },
      });
      for (const link of candidates) {
        try {
          link.sendPriority(FrameType.SUBSCRIBE, encodeSubscribe(id, target.session));
          waiting.add(link);
        } catch {
          // not writable: that candidate cannot answer
        }
      }
      if (waiting.size === 0) {
        this.#pending.delete(id);
        finish({ ok: false, code: 'NO_ROUTE', message: 'no kernel could be asked' });
      }
      // Late acknowledgements after a timeout are still undone; forget the id a while later.
      setTimeout(() => this.#pending.delete(id), options.timeoutMs * 2 + 1_000).unref();
    });
  }

  unsubscribe(specs: readonly string[]): void {
    for (const spec of specs) {
      const proxy = this.#proxies.get(spec);
      if (proxy === undefined) continue;
      this.#drop(proxy);
      this.#host
        .linkFor(proxy.kernel)
        ?.sendPriority(FrameType.UNSUBSCRIBE, encodeUnsubscribe(proxy.session));
      this.#host.monitors.emit('unsubscribe', proxy.kernel, {
        kernel: proxy.kernel,
        session: proxy.session,
        direction: 'local',
        cause: 'requested',
        states: proxy.states,
        remaining: [],
      });
    }
  }

  onSubscribed(link: Link, message: SubscribedMessage): void {
    const pending = this.#pending.get(message.id);
    if (pending?.waiting.delete(link) === true) pending.onAck(link, message);
    else this.#unexpectedAck(link, message.id);
  }

  /** Like an answer to a call not made on that link: counted, reported, told to the peer. */
  #unexpectedAck(link: Link, id: number): void {
    this.#host.counters.unexpectedReplies += 1;
    const text = `'${link.peerName}' acknowledged subscription ${id}, which was not asked of it or was already answered`;
    this.#host.reportError(link, 'UNEXPECTED_REPLY', text, undefined);
    link.sendPriority(FrameType.ERROR, encodeError('UNEXPECTED_REPLY', text, 'check', null));
  }

  onRetracted(link: Link, message: RetractedMessage): void {
    const kernel = link.peerName;
    const proxy = this.#proxies.get(`poe://${kernel}/${message.session}`);
    if (proxy === undefined) return;
    proxy.setStates(message.remaining);
    if (message.remaining.length === 0) this.#drop(proxy);
    this.#host.monitors.emit('unsubscribe', kernel, {
      kernel,
      session: message.session,
      direction: 'local',
      cause: 'retracted',
      states: message.states,
      remaining: message.remaining,
    });
  }

  /** A kernel unregistered: its proxies go, with an `unsubscribe` event each. */
  kernelGone(kernel: string): void {
    const gone = new Set<RemoteSession>();
    for (const proxy of this.#proxies.values()) if (proxy.kernel === kernel) gone.add(proxy);
    for (const proxy of gone) {
      this.#drop(proxy);
      this.#host.monitors.emit('unsubscribe', kernel, {
        kernel,
        session: proxy.session,
        direction: 'local',
        cause: 'unregistered',
        states: proxy.states,
        remaining: [],
      });
    }
  }

  close(): void {
    this.#pending.clear();
    for (const proxy of this.#proxies.values()) proxy.deactivate();
    this.#proxies.clear();
  }

  #drop(proxy: RemoteSession): void {
    proxy.deactivate();
    for (const [key, value] of [...this.#proxies]) if (value === proxy) this.#proxies.delete(key);
  }
}
