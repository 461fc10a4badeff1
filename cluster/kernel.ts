/**
 * The local kernel: its sessions and published states, its links to other kernels (outgoing
 * connections and listeners), and IKC's operations — post, call, subscribe, monitor, ping —
 * routed over those links. A facade: the work is done by the pieces it wires together (peer
 * table, dispatcher, subscriptions, membership, error reporter, shutdown); the shapes it shares
 * with them are in kernel-types.ts, so none of them imports the kernel.
 */
import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { debuglog } from 'node:util';
import { parseAddress } from './address.js';
import { addressesFor, advertiserOf, expandListenAddress } from './advertise.js';
import { CallError, ClusterError, UsageError } from './errors.js';
import { connectLink, SelfDials, type ConnectHost } from './kernel-connect.js';
import { Dispatcher } from './dispatch.js';
import { ErrorReporter } from './error-reporter.js';
import { closeLink, shutdownKernel } from './kernel-shutdown.js';
import type { KernelInfo, KernelWaitOptions } from './kernel-types.js';
import { PeerTable, kernelInfo } from './peer-table.js';
import { Link, type LinkHost } from './link.js';
import type { PeerIdentity } from './link-types.js';
import {
  Listener,
  DEFAULT_LISTEN_ADDRESS,
  type ListenOptions,
  type ListenerHost,
} from './listener.js';
import { KernelListeners, type KernelListener } from './kernel-listener.js';
import { DialReports } from './dial-reports.js';
import { Refusals, type KernelRefusal } from './refusals.js';
import { staleProbeTimeoutMs } from './stale-link.js';
import { Membership, type KernelMember } from './membership.js';
import { FrameType } from './messages.js';
import { routeMessage, type MessageRoutes } from './kernel-messages.js';
import { encodePostFrame, encodeRetracted } from './message-encoding.js';
import { MonitorRegistry, type MonitorCallbacks } from './monitor.js';
import { OutgoingCalls } from './outgoing-calls.js';
import {
  DEFAULT_DIAL_SOCKET_TIMEOUT_MS,
  parseKernelOptions,
  type KernelOptions,
  type ParsedKernelOptions,
} from './options.js';
import type { RemoteSession } from './remote-session.js';
import {
  SessionRegistry,
  type PublishedSession,
  type SessionOptions,
  type StateHandler,
  type Authorization,
} from './sessions.js';
import { createCounters, type KernelStats } from './stats.js';
import { ANY_KERNEL, formatStateSpec, type StateSpec } from './specifier.js';
import { StateSpecCache } from './spec-cache.js';
import { Subscriptions, type SubscribeResult } from './subscriptions.js';

const trace = debuglog('aes-cluster');

export class Kernel implements AsyncDisposable {
  readonly #options: ParsedKernelOptions;
  readonly #counters = createCounters();
  readonly #incarnation = randomUUID();
  readonly #sessions = new SessionRegistry();
  readonly #monitors = new MonitorRegistry((n) => this.#peers.resolveName(n));
  readonly #errors = new ErrorReporter(this.#monitors);
  readonly #peers: PeerTable;
  readonly #allLinks = new Set<Link>();
  readonly #listeners = new Set<Listener>();
  readonly #dispatch: Dispatcher;
  readonly #calls = new OutgoingCalls({
    counters: this.#counters,
    relinks: () => this.#options.role === 'kernel',
    linkFor: (name) => this.#peers.linkFor(name),
  });
  readonly #membership: Membership;
  readonly #subscriptions: Subscriptions;
  readonly #specs: StateSpecCache;
  readonly #linkHost: LinkHost;
  readonly #listenerHost: ListenerHost;
  readonly #observers = new KernelListeners();
  readonly #selfDials = new SelfDials();
  readonly #refusals = new Refusals();
  readonly #dialReports = new DialReports();
  readonly #connectHost: ConnectHost;
  readonly #routes: MessageRoutes;
  #closing: Promise<void> | undefined;

  constructor(options: KernelOptions) {
    this.#options = parseKernelOptions(options);
    const o = this.#options;
    this.#specs = new StateSpecCache(o.defaultKernel);
    this.#linkHost = {
      name: o.name,
      aliases: o.aliases,
      role: o.role,
      incarnation: this.#incarnation,
      callMemoryMs: o.callMemoryMs,
      settings: o.settings,
      counters: this.#counters,
      allowUnauthenticated: o.allowUnauthenticated,
      tlsBindNames: o.tls?.bindNames ?? true,
      listenAddresses: (sameHost) => this.listenAddresses({ sameHost }),
      secretFor: o.secretFor,
      heartbeatTimeoutFor: o.heartbeatTimeoutFor,
      // Our own dial: its outbound side recognises the nonce and stops dialing that address.
      admit: (link, hello) =>
        hello.incarnation === this.#incarnation
          ? this.#selfDials.refuse(hello)
          : this.#peers.admit(hello, link.remoteAddress),
      nameClash: (peer) => this.#peers.nameClash(peer.name, peer.aliases),
      linkReady: (link) => {
        this.#peers.ready(link);
        if (this.#peers.linkFor((link.peer as PeerIdentity).name) === link)
          this.#calls.resume(link);
        this.#refusals.linked(link.peerName);
      },
      linkMessage: (link, message) => routeMessage(this.#routes, link, message),
      linkError: (link, op, error) => {
        this.#errors.report({ link, side: 'local', op, error, ref: undefined });
        if (op !== 'handshake' || this.#selfDials.involves(link, error)) return;
        this.#observers.refusal(this.#refusals.handshakeFailed(link, error));
      },
      linkClosed: (link, reason) => {
        this.#allLinks.delete(link);
        this.#dispatch.forget(link);
        this.#calls.linkClosed(link, this.#peers.closed(link, reason), reason);
      },
      nextRequestId: () => this.#calls.nextId(),
      callAnswer: (link, id, value, error) => this.#calls.answer(link, id, value, error),
    };
    this.#connectHost = {
      name: o.name,
      tls: o.tls,
      linkHost: this.#linkHost,
      selfDials: this.#selfDials,
      adopt: (link) => this.#adopt(link),
    };
    this.#listenerHost = {
      counters: this.#counters,
      tls: o.tls,
      accept: (socket, listener, tls) =>
        this.#adopt(new Link(this.#linkHost, socket, 'inbound', listener.address, tls)),
    };
    this.#membership = new Membership(
      {
        name: o.name,
        dial: async (address) => {
          this.#assertOpen();
          const link = await connectLink(
            this.#connectHost,
            address,
            {},
            DEFAULT_DIAL_SOCKET_TIMEOUT_MS,
          );
          return (link.peer as PeerIdentity).name;
        },
        isConnected: (name) => this.#peers.has(name),
        now: () => Date.now(),
        schedule: (fn, ms) => {
          const t = setTimeout(fn, ms);
          t.unref();
          return () => clearTimeout(t);
        },
        refused: (address, error) => trace('membership: %s refused us: %s', address, error.message),
        identify: (address) =>
          advertiserOf(address, () =>
            this.#peers.kernelLinks().flatMap((l) => (l.peer === undefined ? [] : [l.peer])),
          ),
        dialFailed: (failure) => this.#observers.unreachable(this.#dialReports.report(failure)),
      },
      { backoff: o.backoff, forgetAfterMs: o.forgetAfterMs, mesh: o.mesh },
    );
    this.#peers = new PeerTable({
      name: o.name,
      monitors: this.#monitors,
      membership: this.#membership,
      isLocal: (name) => this.#isLocal(name),
      isClosing: () => this.#closing !== undefined,
      staleProbeTimeoutMs: staleProbeTimeoutMs(o.settings.heartbeatTimeoutMs),
      kernelGone: (name) => this.#kernelGone(name),
    });
    this.#dispatch = new Dispatcher({
      name: o.name,
      sessions: this.#sessions,
      counters: this.#counters,
      monitors: this.#monitors,
      maxInflightCalls: o.maxInflightCalls,
      callMemoryMs: o.callMemoryMs,
      maxRememberedCalls: o.maxRememberedCalls,
      reportError: (report) => this.#errors.report(report),
    });
    this.#subscriptions = new Subscriptions({
      defaultKernel: o.defaultKernel,
      links: () => this.#peers.kernelLinks(),
      linkFor: (name) => this.#peers.linkFor(name),
      proxyHost: {
        post: (spec, args) => this.post(spec, args),
        call: (spec, args, opts) => this.call(spec, args, opts),
      },
      monitors: this.#monitors,
      counters: this.#counters,
      reportError: (link, code, message, ref) =>
        this.#errors.report({
          link,
          side: 'local',
          op: 'subscribe',
          error: new ClusterError(code, message),
          ref,
        }),
    });
    this.#routes = {
      dispatch: this.#dispatch,
      subscriptions: this.#subscriptions,
      errors: this.#errors,
      peers: this.#peers,
      learn: (name, addresses) => {
        if (o.mesh && !this.#isLocal(name)) this.#membership.learn(name, addresses);
      },
    };
  }

  /** This kernel's name. */
  get name(): string {
    return this.#options.name;
  }
  get aliases(): readonly string[] {
    return this.#options.aliases;
  }
  /** Changes on every start; tells a restarted kernel from a duplicate connection. */
  get incarnation(): string {
    return this.#incarnation;
  }

  // ---------------------------------------------------------------- sessions and states

  /** Adds a session (a named group of state handlers, with aliases). */
  addSession(
    name: string,
    states: Readonly<Record<string, StateHandler>> | ReadonlyMap<string, StateHandler>,
    options: SessionOptions = {},
  ): void {
    this.#sessions.add(name, states, options);
  }

  /** Adds or replaces a state of a session. */
  setState(session: string, state: string, handler: StateHandler): void {
    this.#sessions.setState(session, state, handler);
  }

  /** Removes a session; subscribers are told its states were retracted. */
  removeSession(name: string): void {
    if (this.#sessions.get(name)?.published.size) this.retract(name);
    this.#sessions.remove(name);
  }

  /**
   * Makes states reachable from other kernels. `allow` restricts who may post/call them
   * (authenticated kernel names — never aliases — or a predicate); absent = every authenticated
   * peer.
   */
  publish(
    session: string,
    states: readonly string[],
    options: { allow?: Authorization } = {},
  ): void {
    this.#sessions.publish(session, states, options.allow);
  }

  /** Withdraws published states (all of the session's when `states` is absent) and tells subscribers. */
  retract(session: string, states?: readonly string[]): void {
    const r = this.#sessions.retract(session, states);
    if (r.retracted.length === 0) return;
    for (const subscriber of r.subscribers) {
      this.#peers
        .linkFor(subscriber)
        ?.sendPriority(FrameType.RETRACTED, encodeRetracted(r.session, r.retracted, r.remaining));
    }
  }

  /** The published sessions and their states. */
  published(): PublishedSession[] {
    return this.#sessions.published();
  }

  // ---------------------------------------------------------------- post, call, ping

  /**
   * Sends an event. Kernel `*` reaches every connected kernel. Returns false when an outbound
   * queue is above its high-water mark (see `waitWritable`); throws `QueueFullError` when full,
   * `CallError` `NO_ROUTE` when the kernel is not connected. With `rsvp`, the handler's result is
   * posted to that local state (IKC's rsvp form).
   */
  post(
    spec: string | StateSpec,
    args?: unknown,
    options: { rsvp?: string | StateSpec } = {},
  ): boolean {
    const s = this.#spec(spec);
    if (options.rsvp !== undefined) {
      const rsvp = this.#spec(options.rsvp);
      if (!this.#isLocal(rsvp.kernel)) {
        throw new UsageError(
          'BAD_SPECIFIER',
          `rsvp '${formatStateSpec(rsvp)}' must name a state of this kernel`,
        );
      }
      this.call(s, args).then(
        (result) => this.#dispatch.local(rsvp, result, s.kernel),
        (err: unknown) =>
          this.#errors.report({
            link: undefined,
            kernel: s.kernel,
            side: 'local',
            op: 'call',
            error:
              err instanceof ClusterError ? err : new ClusterError('HANDLER_ERROR', String(err)),
            ref: `${s.session}/${s.state}`,
          }),
      );
      return true;
    }
    if (s.kernel === ANY_KERNEL) {
      const frame = encodePostFrame(s.session, s.state, args);
      let writable = true;
      for (const link of this.#peers.kernelLinks()) {
        this.#counters.postsSent += 1;
        writable = link.send(frame.type, frame.head, frame.tail) && writable;
      }
      return writable;
    }
    if (this.#isLocal(s.kernel)) {
      this.#dispatch.local(s, args, this.name);
      return true;
    }
    const link = this.#linkForOrThrow(s.kernel);
    this.#counters.postsSent += 1;
    const frame = encodePostFrame(s.session, s.state, args);
    return link.send(frame.type, frame.head, frame.tail);
  }

  /**
   * Calls a state and resolves with its handler's result. The reply is accepted only from the
   * called kernel, once. A call whose link is lost waits (up to its deadline) for a link to the
   * same kernel and is sent again; the callee runs it at most once. Rejects with `CallError`
   * (`TIMEOUT`, `ABORTED`, `CHANNEL_CLOSED`, `NO_ROUTE`) or `RemoteError` (`NOT_PUBLISHED`,
   * `FORBIDDEN`, `HANDLER_ERROR`, `CALL_FORGOTTEN`).
   */
  call(
    spec: string | StateSpec,
    args?: unknown,
    options: KernelWaitOptions = {},
  ): Promise<unknown> {
    let s: StateSpec;
    try {
      s = this.#spec(spec);
      if (s.kernel === ANY_KERNEL)
        throw new UsageError('BAD_SPECIFIER', 'call needs one kernel, not *');
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    if (this.#isLocal(s.kernel)) {
      const handler = this.#sessions.get(s.session)?.states.get(s.state);
      if (handler === undefined) {
        return Promise.reject(
          new CallError('NOT_PUBLISHED', `no local state '${s.session}/${s.state}'`),
        );
      }
      return Promise.resolve().then(() =>
        handler(args, { sender: this.name, session: s.session, state: s.state, kind: 'call' }),
      );
    }
    const link = this.#peers.linkFor(s.kernel);
    if (link === undefined) {
      return Promise.reject(new CallError('NO_ROUTE', `no connected kernel named '${s.kernel}'`));
    }
    return this.#observers.timeCall(
      s.kernel,
      this.#calls.call(link, s.session, s.state, args, {
        timeoutMs: options.timeoutMs ?? this.#options.callTimeoutMs,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      }),
    );
  }

  /** Pings a connected kernel; resolves with `'PONG'`. */
  ping(kernel: string, options: KernelWaitOptions = {}): Promise<'PONG'> {
    const link = this.#peers.linkFor(kernel);
    if (link === undefined)
      return Promise.reject(new CallError('NO_ROUTE', `no connected kernel named '${kernel}'`));
    return link.ping({
      timeoutMs: options.timeoutMs ?? this.#options.callTimeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** Resolves when the outbound queue to `kernel` is below its high-water mark. */
  waitWritable(kernel: string, options: KernelWaitOptions = {}): Promise<void> {
    const link = this.#linkForOrThrow(kernel);
    if (link.writable) return Promise.resolve();
    return this.#observers.timeWait(kernel, link.waitWritable(options));
  }

  /** Follows the kernel's call and backpressure events; returns the function that stops it. */
  observe(listener: KernelListener): () => void {
    return this.#observers.add(listener);
  }

  // ---------------------------------------------------------------- subscribe, monitor

  /**
   * Subscribes to remote sessions (`poe://kernel/session`; kernel `*` = the first that
   * acknowledges). Resolves with which specifiers succeeded (each with its proxy) and which
   * failed, never rejects for a single failure.
   */
  subscribe(specs: readonly string[], options: KernelWaitOptions = {}): Promise<SubscribeResult> {
    return this.#subscriptions.subscribe(specs, {
      timeoutMs: options.timeoutMs ?? this.#options.callTimeoutMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }

  /** Drops subscriptions (by the specifier used to subscribe or the proxy's own). */
  unsubscribe(specs: readonly string[]): void {
    this.#subscriptions.unsubscribe(specs);
  }

  /** The proxy of a subscribed session, by either specifier. */
  getProxy(spec: string): RemoteSession | undefined {
    return this.#subscriptions.get(spec);
  }

  /** Watches one kernel (name or alias) or every kernel (`*`); returns the function that stops it. */
  monitor(kernel: string, callbacks: MonitorCallbacks): () => void {
    return this.#monitors.add(kernel, callbacks);
  }

  // ---------------------------------------------------------------- links

  /** Listens for kernels; default `tcp://127.0.0.1:0`. */
  async listen(
    address: string = DEFAULT_LISTEN_ADDRESS,
    options: ListenOptions = {},
  ): Promise<Listener> {
    this.#assertOpen();
    const listener = await Listener.open(this.#listenerHost, address, options);
    this.#listeners.add(listener);
    return listener;
  }

  /**
   * The addresses told to other kernels: `advertise`, else every listener's bound address, a
   * wildcard one (`0.0.0.0`, `::`) as the host's interface addresses and loopback. With
   * `sameHost: false`, what a kernel on another host is told: no Unix socket, no loopback.
   */
  listenAddresses(options: { sameHost?: boolean } = {}): string[] {
    const all =
      this.#options.advertise ??
      [...this.#listeners].flatMap((l) => expandListenAddress(l.address, networkInterfaces));
    return addressesFor([...new Set(all)], options.sameHost ?? true);
  }

  /** Connects to a kernel once (no redial); resolves when the handshake is done. */
  async connect(address: string, options: KernelWaitOptions = {}): Promise<KernelInfo> {
    this.#assertOpen();
    return kernelInfo(await connectLink(this.#connectHost, address, options));
  }

  /**
   * Keeps a link to `address` for as long as the kernel runs (dialing again with backoff after
   * every loss). Resolves after the first attempt, with its error if it failed.
   */
  addSeed(address: string): Promise<ClusterError | undefined> {
    this.#assertOpen();
    parseAddress(address);
    return this.#membership.addSeed(address);
  }

  /**
   * Dials the seeds from the options (and keeps them linked from then on). Rejects when one
   * refuses this kernel outright — its name is taken, or the secret is wrong — with that error;
   * the kernel keeps retrying in the background (a restarted kernel's old link may still be
   * dying), so shut it down if the refusal is final. Other failures are only retried.
   */
  async start(): Promise<void> {
    this.#assertOpen();
    for (const seed of this.#options.seeds) parseAddress(seed);
    const errors = await Promise.all(
      this.#options.seeds.map((seed) => this.#membership.addSeed(seed)),
    );
    const fatal = errors.find((e) => e?.code === 'NAME_TAKEN' || e?.code === 'AUTH_FAILED');
    if (fatal !== undefined) throw fatal;
  }

  /**
   * Closes the link to one kernel (name or alias) and no other: lets the calls it is handling
   * for that kernel answer, says BYE behind what is queued, and fails this kernel's calls still
   * waiting on it (CHANNEL_CLOSED). It is not redialed — not as a seed, nor when a peer tells of
   * it — until it links again (it dials this kernel, or `connect`) or `addSeed` names it.
   * Resolves when the link is closed: true, or false when no link to it was up.
   */
  async disconnect(
    kernel: string,
    options: { reason?: string; graceMs?: number } = {},
  ): Promise<boolean> {
    const link = this.#peers.linkFor(kernel);
    const name = link?.peer?.name ?? this.#peers.resolveName(kernel);
    const reason = options.reason ?? `disconnected by '${this.name}'`;
    this.#membership.hold(name);
    this.#calls.gone(name, `'${name}' was disconnected`);
    if (link === undefined) return false;
    this.#peers.markDisconnecting(link);
    await closeLink(link, reason, (l) => this.#dispatch.inflight(l), options.graceMs ?? 5_000);
    return true;
  }

  /** The kernels (and clients) connected now. */
  kernels(): KernelInfo[] {
    return this.#peers.links().map((l) => kernelInfo(l));
  }

  /** One connected kernel by name or alias. */
  getKernel(name: string): KernelInfo | undefined {
    const link = this.#peers.linkFor(name);
    return link === undefined ? undefined : kernelInfo(link);
  }

  /**
   * The kernels of the cluster this kernel knows — its seeds, the kernels peers told it of and
   * those that linked to it (not endpoint processes or clients, which advertise no address) —
   * whether a link to each is up, since when, and why not.
   */
  members(): KernelMember[] {
    return this.#membership.members();
  }

  /** Handshakes refused (`NAME_TAKEN`, `AUTH_FAILED`) either way in the last 30 s, with counts. */
  refusals(): KernelRefusal[] {
    return this.#refusals.list();
  }

  /** Counters, errors by code, and the number of links. */
  stats(): KernelStats {
    return { ...this.#counters, errors: this.#errors.counts(), links: this.#peers.size };
  }

  /**
   * Leaves cleanly: stops redialing, closes listeners (live channels may finish their calls),
   * says BYE on every link and waits for them to close. Idempotent.
   */
  shutdown(reason = 'shutdown', options: { graceMs?: number } = {}): Promise<void> {
    this.#closing ??= shutdownKernel(
      {
        membership: this.#membership,
        monitors: this.#monitors,
        subscriptions: this.#subscriptions,
        listeners: this.#listeners,
        links: this.#allLinks,
        inflight: (link) => this.#dispatch.inflight(link),
      },
      reason,
      options.graceMs ?? 5_000,
    ).finally(() =>
      this.#calls.close(new CallError('CHANNEL_CLOSED', `kernel '${this.name}' shut down`)),
    );
    return this.#closing;
  }

  close(): Promise<void> {
    return this.shutdown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  // ---------------------------------------------------------------- internals

  #assertOpen(): void {
    if (this.#closing !== undefined)
      throw new ClusterError('SHUTDOWN', `kernel '${this.name}' is shut down`);
  }

  #adopt(link: Link): Link {
    this.#allLinks.add(link);
    return link;
  }

  #spec(spec: string | StateSpec): StateSpec {
    return this.#specs.get(spec);
  }

  #isLocal(kernel: string): boolean {
    return kernel === this.name || this.#options.aliases.includes(kernel);
  }

  #linkForOrThrow(nameOrAlias: string): Link {
    const link = this.#peers.linkFor(nameOrAlias);
    if (link === undefined)
      throw new CallError('NO_ROUTE', `no connected kernel named '${nameOrAlias}'`);
    return link;
  }

  #kernelGone(name: string): void {
    for (const session of this.#sessions.dropSubscriber(name)) {
      this.#monitors.emit('unsubscribe', name, {
        kernel: name,
        session,
        direction: 'remote',
        cause: 'unregistered',
        states: [],
        remaining: [],
      });
    }
    this.#subscriptions.kernelGone(name);
  }
}
