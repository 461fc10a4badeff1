/**
 * One aes node, as `aes run` starts it: the embedded broker (unless an external one is set), the
 * kernel (a TCP listener for peers, a Unix socket for its endpoints, the seeds joined), the HTTP
 * surface, and one supervised process per endpoint folder. `close()` drains the endpoints first
 * and stops the broker last.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Kernel } from '../../cluster/index.js';
import type { BrokerHandle } from '../../broker/index.js';
import { endpointSettings, type NodeConfig } from '../config/config.js';
import { clusterTlsOptions, kernelAddress } from './cluster-tls.js';
import {
  advertiseWarning,
  foreignAdvertiseWarning,
  peerStates,
  watchPeerNodes,
} from './cluster-peers.js';
import { watchClusterFaults } from './cluster-faults.js';
import {
  startEmbeddedBroker,
  endpointBrokerUrl,
  exposureWarning,
  internalBrokerUrl,
  nodeBrokerLogin,
  publicBrokerUrl,
  tlsMode,
} from './embedded-broker.js';
import { NodeMetrics } from '../observability/node-metrics.js';
import { serviceDiscoveryTargets, METRICS_PATH } from '../observability/service-discovery.js';
import { packageVersion } from '../version.js';
import type { DirLock } from '../../util/index.js';
import { lockDataDir } from '../store/data-dir-lock.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { installNodeSession } from '../link/node-session.js';
import {
  endpointOfKernel,
  nodeLinkTimeoutMs,
  type EndpointLaunchConfig,
  type EndpointReport,
} from '../link/protocol.js';
import { installControlSession, type EndpointAction } from './control.js';
import { actAnywhere, pageStatus } from './page-calls.js';
import { checkConfigFile, checkNodeConfig } from './check-config.js';
import { applyReload, type ReloadHost, type ReloadResult } from './reload.js';
import { actByLease, openPlacement, type Placement } from './placement.js';
import type { Managed } from './managed-endpoint.js';
import type { EndpointEntry } from './endpoint-folder.js';
import { endpointLaunch, endpointLaunchConfig } from './endpoint-launch.js';
import { StateError } from '../errors.js';
import { advertisedUrl, startHttpSurface, type HttpSurface } from './http-server.js';
import { createLogger, type Logger } from './logger.js';
import { watchEndpoints } from './endpoint-watch.js';
import { listenAs } from './port-in-use.js';
import { clusterDeadLetters } from './cluster-dead-letters.js';
import { ensureNodeSecret, nodeSocketPath } from './secret.js';
import { MemberDirectory, type NodeInfo } from './members.js';
import type { EndpointStatus, NodeStatus } from './status.js';
import { embeddedBrokerStatus, reportEmbeddedBroker } from './embedded-broker-reports.js';
import { applyEndpointReport } from './endpoint-reports.js';
import { openNodeLineage, type LineageIndex } from './lineage-index.js';
import { installTraceSession, traceForPage } from './lineage-trace.js';
import { brokerReason, watchNodeBroker, type BrokerHealth } from './broker-health.js';
import { endpointStatus } from './endpoint-status.js';
import { LeaseWaits } from './lease-waits.js';
import { placementHost } from './placement-host.js';
import { EndpointActivity } from './endpoint-activity.js';
import { consoleSnapshot, type ConsoleSnapshot } from './console.js';

export interface StartNodeOptions {
  /** @defaultValue a logger on stderr (pretty on a TTY, JSON lines otherwise) */
  readonly logger?: Logger;
  /** Extra environment for endpoint processes. */
  readonly endpointEnv?: NodeJS.ProcessEnv;
}

export class AesNode implements AsyncDisposable {
  readonly name: string;
  /** Everything `/metrics` serves: the node's collectors and its endpoints' reports. */
  readonly metrics: NodeMetrics;
  private readonly endpoints = new Map<string, Managed>();
  private readonly supervisor: Supervisor;
  private members: MemberDirectory | undefined;
  private secret = '';
  private advertised = '';
  private readonly startedAt = new Date();
  private kernel: Kernel | undefined;
  private broker: BrokerHandle | undefined;
  private http: HttpSurface | undefined;
  private lock: DirLock | undefined;
  private brokerUrls: readonly string[] = [];
  /** What the node's endpoints get: the embedded broker's internal URL carries a login. */
  private endpointBrokerUrls: readonly string[] = [];
  private clusterAddress = '';
  /** The config in force: as started, its `endpoints` part replaced by each reload. */
  private current: NodeConfig;
  /** Reloads run one after the other. */
  private reloads: Promise<unknown> = Promise.resolve();
  /** The node's own broker, for `/readyz`. */
  private brokerHealth: BrokerHealth | undefined;
  private closing: Promise<void> | undefined;
  private startFailed = false;
  /** Set with `coordination`: endpoints run here only while this node holds their lease. */
  private placement: Placement | undefined;
  /** The steps of records this node's endpoints reported (`aes trace`). */
  private lineage: LineageIndex | undefined;
  /** Warm standbys waiting for this node to hold their endpoint's lease. */
  private readonly leaseWaits = new LeaseWaits();

  private constructor(
    config: NodeConfig,
    private readonly log: Logger,
    private readonly endpointEnv: NodeJS.ProcessEnv,
  ) {
    this.current = config;
    this.name = config.node;
    this.metrics = new NodeMetrics({ node: config.node, version: packageVersion() });
    this.supervisor = new Supervisor({
      listener: watchEndpoints(this.metrics.supervisor, this.endpoints, log),
    });
  }

  /** Starts everything; on a failure, what was started is closed again and the error thrown. */
  static async start(config: NodeConfig, options: StartNodeOptions = {}): Promise<AesNode> {
    const log = (options.logger ?? createLogger()).child({ node: config.node });
    const node = new AesNode(config, log, options.endpointEnv ?? {});
    try {
      await node.open();
    } catch (err) {
      node.startFailed = true;
      await node.close();
      throw err;
    }
    return node;
  }

  /** The config in force: as started, with the endpoint settings of the last reload. */
  get config(): NodeConfig {
    return this.current;
  }

  /** `tcp://host:port` of the cluster listener. */
  get address(): string {
    return this.clusterAddress;
  }

  /** `http://host:port` of `/metrics`, `/sd/prometheus`, `/healthz`, `/readyz` and `/`. */
  get httpUrl(): string {
    return this.http?.url ?? '';
  }

  /** The HTTP URL this node tells others (`http.advertise`, else {@link AesNode.httpUrl}). */
  get advertisedHttpUrl(): string {
    return this.advertised;
  }

  /** The broker URLs (without the node's own login on a protected embedded broker). */
  get brokers(): readonly string[] {
    return this.brokerUrls;
  }

  private async open(): Promise<void> {
    const config = this.config;
    // What `aes config check` checks too, before anything is held or started.
    const { endpoints: entries } = await checkNodeConfig(config);
    this.lock = await lockDataDir(config.dataDir);
    this.lineage = await openNodeLineage(config, this.log, this.metrics.lineage);
    if (config.coordination !== undefined) {
      this.placement = await openPlacement(
        config.file,
        config.coordination,
        this.name,
        this.log,
        placementHost({
          supervisor: this.supervisor,
          leaseWaits: this.leaseWaits,
          warm: (name) => this.warmStandby(name),
        }),
      );
    }
    if (config.broker.kind === 'embedded') {
      const embedded = config.broker;
      // Made per start and held in memory only: handed to endpoints over their link.
      const own = nodeBrokerLogin(embedded);
      this.broker = await startEmbeddedBroker(config, embedded, own);
      this.brokerUrls = [publicBrokerUrl(embedded, this.broker)];
      this.endpointBrokerUrls = [endpointBrokerUrl(embedded, this.broker, own)];
      this.metrics.watchBroker(this.broker);
      reportEmbeddedBroker(this.broker, this.log);
      const internal = internalBrokerUrl(this.broker);
      this.log.info('embedded broker listening', {
        url: this.brokerUrls[0],
        ...(internal === undefined ? {} : { internal }),
        logins: embedded.usersFile !== undefined,
        tls: tlsMode(embedded),
      });
      const warning = exposureWarning(embedded);
      if (warning !== undefined) this.log.warn(warning, { host: embedded.host });
    } else {
      this.brokerUrls = config.broker.urls;
      this.endpointBrokerUrls = config.broker.urls;
    }
    this.brokerHealth = watchNodeBroker(this.broker, {
      urls: this.brokerUrls,
      connected: () => [...this.endpoints.values()].some((m) => m.broker?.state === 'connected'),
      log: this.log,
    });
    this.metrics.watchBrokerUp(() => this.brokerHealth?.up());

    const secret = await ensureNodeSecret(config);
    const tls = clusterTlsOptions(config);
    this.secret = secret;
    const kernel = new Kernel({
      name: config.node,
      secret,
      resolveSecret: (peer) => {
        const endpoint = endpointOfKernel(peer, config.node);
        const managed = endpoint === undefined ? undefined : this.endpoints.get(endpoint);
        // The launch token while the node runs that endpoint; else the node's secret (by hand).
        return managed !== undefined && !managed.process.snapshot().state.match(/stopped|failed/)
          ? managed.token
          : undefined;
      },
      // Its endpoints may be busy for longer than the cluster's 2 s: their own limits apply.
      resolveHeartbeatTimeout: (peer) => {
        const endpoint = endpointOfKernel(peer, config.node);
        return endpoint === undefined || !this.endpoints.has(endpoint)
          ? undefined
          : nodeLinkTimeoutMs(endpointSettings(this.config, endpoint));
      },
      seeds: config.cluster.seeds.map((s) => kernelAddress(s.host, s.port, tls !== undefined)),
      ...(config.cluster.advertise === undefined
        ? {}
        : {
            advertise: config.cluster.advertise.map((a) =>
              kernelAddress(a.host, a.port, tls !== undefined),
            ),
          }),
      ...(tls === undefined ? {} : { tls }),
    });
    this.kernel = kernel;
    const cluster = this.metrics.watchCluster({
      stats: () => kernel.stats(),
      peerStates: () => peerStates(this.members?.others() ?? []),
    });
    kernel.observe({
      call: (e) => cluster.call(e.durationMs, e.outcome),
      backpressureWait: (e) => cluster.backpressureWait(e.durationMs),
    });
    this.members = new MemberDirectory(kernel, () => this.info());
    installNodeSession(kernel, config.node, {
      launchConfig: (endpoint, standby) => this.launchConfig(endpoint, standby),
      awaitLease: (endpoint) => {
        const managed = this.endpoints.get(endpoint);
        if (managed === undefined) throw new Error(`no endpoint '${endpoint}' here`);
        const held = () => {
          const launch = this.launchConfig(endpoint);
          return launch?.fence === undefined ? undefined : launch;
        };
        // Taking over, it starts for real: watched as a fresh start, not by its standby beats.
        return this.leaseWaits.wait(endpoint, held, undefined, () => managed.process.watchStart());
      },
      report: (endpoint, report) => this.onReport(endpoint, report),
    });
    installControlSession(kernel, {
      node: config.node,
      status: () => this.status(),
      info: () => this.info(),
      act: (action, endpoint, to) => this.act(action, endpoint, to),
      refreshStandby: (endpoint) => this.refreshStandby(endpoint),
    });
    installTraceSession(kernel, { node: config.node, find: (id) => this.lineage?.find(id) ?? [] });
    watchPeerNodes(kernel, this.log);
    watchClusterFaults(kernel, this.log);
    kernel.monitor('*', {
      register: (e) => this.onEndpointLink(e.kernel, true),
      unregister: (e) => {
        this.onEndpointLink(e.kernel, false);
        if (e.cause === 'lost') this.onEndpointLinkLost(e.kernel, e.reason);
      },
    });
    const listener = await listenAs('cluster.port', config.cluster.host, config.cluster.port, () =>
      kernel.listen(kernelAddress(config.cluster.host, config.cluster.port, tls !== undefined)),
    );
    this.clusterAddress = listener.address;
    const socket = nodeSocketPath(config);
    await rm(socket, { force: true }); // left by a node that died; the data folder lock is ours
    await kernel.listen(`unix:${socket}`);
    // A seed that refuses this node (its name is taken, the secret differs) is logged as a
    // refusal and shown by `aes status`; the node keeps running and redialing, so that a node
    // restarted before its peers saw it die, or one whose secret is fixed, joins without help.
    await kernel.start().catch(() => undefined);
    const advertised = kernel.listenAddresses({ sameHost: false });
    this.log.info('kernel listening', { cluster: this.clusterAddress, socket, advertised });
    const unreachable = advertiseWarning(config, advertised);
    if (unreachable !== undefined) this.log.warn(unreachable, { field: 'cluster.advertise' });
    const foreign = foreignAdvertiseWarning(config);
    if (foreign !== undefined) this.log.warn(foreign, { field: 'cluster.advertise' });

    this.http = await listenAs('http.port', config.http.host, config.http.port, () =>
      startHttpSurface(config.http.host, config.http.port, {
        node: config.node,
        token: secret,
        metrics: async () => ({
          contentType: this.metrics.contentType,
          text: await this.metrics.text(),
        }),
        notReady: () => this.notReady(),
        serviceDiscovery: () => this.serviceDiscovery(),
        status: () =>
          pageStatus(this.kernel, this.name, this.members?.list() ?? Promise.resolve([]), () =>
            this.status(),
          ),
        console: () => this.console(),
        act: (action, endpoint) => actAnywhere(this.kernel, this.name, action, endpoint),
        trace: (id) => traceForPage(kernel, this.name, id),
        deadLetters: clusterDeadLetters(kernel, () => this.config, this.endpointBrokerUrls),
      }),
    );
    this.advertised = advertisedUrl(config.http.advertise, this.http.url);
    this.log.info('http listening', { url: this.http.url, advertised: this.advertised });

    for (const entry of entries) this.add(entry);
    if (this.placement === undefined) await this.supervisor.startAll();
    for (const entry of entries) this.placement?.add(entry.name);
    this.log.info(`node started with ${entries.length} endpoint(s)`, {
      endpoints: entries.map((e) => e.name),
    });
  }

  /**
   * Reads the config again (its file, or `next`), checks it as `start` does, then applies it to
   * the endpoints (see `applyReload`): new ones start, gone ones drain and stop, changed ones
   * restart, the others keep running. The node's own settings stay; those that differ are
   * logged and listed in `restartNeeded`. An invalid config changes nothing: rejects with its
   * `ConfigError` or `ConfigReadError` (logged too). Reloads run one at a time.
   */
  reload(next?: NodeConfig): Promise<ReloadResult> {
    const run = this.reloads.then(() => {
      if (this.closing !== undefined) throw new StateError('the node is stopping: no reload');
      return applyReload(this.reloadHost(next));
    });
    this.reloads = run.catch(() => undefined);
    return run;
  }

  private reloadHost(next: NodeConfig | undefined): ReloadHost {
    return {
      log: this.log,
      check: () => (next === undefined ? checkConfigFile(this.config.file) : checkNodeConfig(next)),
      current: () => this.current,
      running: () => [...this.endpoints.values()].map((m) => m.entry),
      inForce: (config) => (this.current = config),
      start: async (entry) => {
        this.add(entry);
        this.endpoints.get(entry.name)?.log.info('new in the config: starting');
        if (this.placement === undefined) await this.supervisor.start(entry.name);
        else this.placement.add(entry.name);
      },
      stop: (name) => this.placement?.remove(name, () => this.replace(name)) ?? this.replace(name),
      restart: (entry) => this.replace(entry.name, entry),
    };
  }

  /**
   * Drains and forgets endpoint `name`; with `entry` (its entry module or settings changed) a
   * new process takes its place, started unless the old one was stopped or attached by hand.
   */
  private async replace(name: string, entry?: EndpointEntry): Promise<void> {
    const managed = this.endpoints.get(name);
    if (managed === undefined) return;
    // Stopped, or still draining from a stop by hand: a config change does not start it again.
    const keepStopped =
      managed.attached || managed.process.state === 'stopped' || managed.process.stoppedOnRequest;
    managed.log.info(
      entry === undefined
        ? `gone from the config: draining and stopping${managed.attached ? ' (attached by hand: stop it there)' : ''}`
        : `its config changed: ${keepStopped ? 'new settings for its next start' : 'restarting'}`,
    );
    await this.supervisor.remove(name);
    this.endpoints.delete(name);
    if (entry === undefined) {
      this.metrics.supervisor.remove(name);
      this.metrics.endpoints.remove(name);
      return;
    }
    this.add(entry, managed.attached, managed.activity); // its console history goes on
    if (!keepStopped && this.placement?.holds(name) !== false) await this.supervisor.start(name);
  }

  /** This node's name and HTTP URL, as `aes-control/info` answers. */
  info(): NodeInfo {
    return { node: this.config.node, httpUrl: this.advertised };
  }

  /** The `http_sd_configs` document: every member whose HTTP URL is known. */
  private async serviceDiscovery() {
    const members = (await this.members?.list()) ?? [];
    return serviceDiscoveryTargets(
      members.flatMap((m) =>
        m.httpUrl === undefined
          ? []
          : [{ name: m.name, metricsUrl: `${m.httpUrl}${METRICS_PATH}` }],
      ),
    );
  }

  /** What `/console.json` serves: this node's endpoints and broker, and the members. */
  private console(): Promise<ConsoleSnapshot> {
    return consoleSnapshot({
      node: this.name,
      members: async () => (await this.members?.list()) ?? [],
      endpoints: () =>
        this.status().endpoints.flatMap((e) => {
          const activity = this.endpoints.get(e.name)?.activity;
          return activity === undefined ? [] : [{ ...e, activity }];
        }),
      brokerStats: () => this.broker?.stats(),
      brokerUrls: this.brokerUrls,
    });
  }

  private add(entry: EndpointEntry, attached = false, activity = new EndpointActivity()): void {
    const token = randomBytes(32).toString('base64url');
    const process_ = this.supervisor.add({
      name: entry.name,
      ...endpointLaunch(this.config, entry, token, this.endpointEnv),
      settings: endpointSettings(this.config, entry.name),
    });
    this.metrics.supervisor.add(entry.name);
    this.endpoints.set(entry.name, {
      entry,
      token,
      process: process_,
      log: this.log.child({ endpoint: entry.name }),
      counters: null,
      lastError: null,
      attached,
      broker: null,
      activity,
    });
  }

  private launchConfig(endpoint: string, standby = false): EndpointLaunchConfig | undefined {
    const managed = this.endpoints.get(endpoint);
    if (managed === undefined) return undefined;
    const token = this.placement?.tokenOf(endpoint);
    const warm = standby && token === undefined && this.warmStandby(endpoint);
    return endpointLaunchConfig(this.config, managed.entry, this.endpointBrokerUrls, token, warm);
  }

  /** True when endpoint `name` stands by warm here (placed by lease, not shared, not attached). */
  private warmStandby(name: string): boolean {
    const placed = this.placement?.has(name) === true && !this.placement.isShared(name);
    return (
      placed &&
      this.config.coordination?.warmStandby === true &&
      !this.endpoints.get(name)?.attached
    );
  }

  private onEndpointLink(kernel: string, up: boolean): void {
    const endpoint = endpointOfKernel(kernel, this.config.node);
    const managed = endpoint === undefined ? undefined : this.endpoints.get(endpoint);
    if (managed === undefined) return;
    const supervised = !/stopped|failed/.test(managed.process.state);
    if (up && !supervised) {
      managed.attached = true;
      managed.log.info('attached (started by hand)');
    } else if (!up && managed.attached) {
      managed.attached = false;
      managed.broker = null;
      managed.log.info('detached');
    }
  }

  /** A link that died (not a goodbye): say so, its reports stop with it. */
  private onEndpointLinkLost(kernel: string, reason: string): void {
    const endpoint = endpointOfKernel(kernel, this.config.node);
    const managed = endpoint === undefined ? undefined : this.endpoints.get(endpoint);
    managed?.log.warn('link lost', { reason });
  }

  private onReport(endpoint: string, report: EndpointReport): void {
    const managed = this.endpoints.get(endpoint);
    if (managed === undefined) return;
    applyEndpointReport(
      {
        node: this.name,
        metrics: this.metrics,
        lineage: this.lineage,
        brokerChanged: () => this.brokerHealth?.check(),
        standby: () => this.leaseWaits.report(endpoint, managed.process.snapshot().pid),
      },
      endpoint,
      managed,
      report,
    );
  }

  private async act(action: EndpointAction, endpoint: string, to?: string): Promise<boolean> {
    // Placed by lease: start, stop and move are the cluster's desired state (desired-state.ts).
    const placed = this.placement?.has(endpoint) === true ? this.placement : undefined;
    if (placed !== undefined && action !== 'restart') {
      await actByLease(placed, action, endpoint, to);
      return true;
    }
    if (action === 'move') {
      if (this.placement !== undefined || !this.endpoints.has(endpoint)) return false;
      throw new StateError(`move: ${endpoint} is not placed by lease (no coordination here)`);
    }
    // A standby has it, but must not run it: the owner is asked (the control session goes on);
    // its warm standby restarts meanwhile, to load the code the owner will restart with.
    if (!this.endpoints.has(endpoint) || this.placement?.holds(endpoint) === false) {
      if (action === 'restart') await this.refreshStandby(endpoint);
      return false;
    }
    this.log.info(`${action} ${endpoint} (requested)`);
    await this.supervisor[action](endpoint);
    return true;
  }

  /** Restarts endpoint `name`'s warm standby (it loads the code in place now); false without one. */
  private async refreshStandby(name: string): Promise<boolean> {
    const standby = this.supervisor.get(name);
    if (standby === undefined || this.placement?.holds(name) !== false) return false;
    if (!this.warmStandby(name) || !/^(starting|running|backoff)$/.test(standby.state))
      return false;
    this.log.info(`restart ${name}: its warm standby here starts again (requested)`);
    await standby.restart();
    return true;
  }

  /** This node and its endpoints. */
  status(): NodeStatus {
    const now = Date.now();
    const endpoints: EndpointStatus[] = this.supervisor
      .status()
      .map((s) =>
        endpointStatus(
          this.name,
          s,
          this.endpoints.get(s.name),
          this.placement?.status(s.name),
          this.leaseWaits.isWarm(s.name, s.pid),
          now,
        ),
      );
    return {
      node: this.config.node,
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      endpoints,
      ...embeddedBrokerStatus(this.broker),
    };
  }

  /** Why `/readyz` answers 503: the node's broker, then each endpoint (its state or broker). */
  private notReady(): string[] {
    if (this.closing !== undefined) return ['shutting down'];
    const reasons = [...(this.brokerHealth?.reasons() ?? []), ...(this.placement?.reasons() ?? [])];
    for (const e of this.status().endpoints) {
      if (e.state === 'standby' && e.lease?.error === null) continue; // another node runs it
      if (e.state !== 'running' && e.state !== 'attached') {
        const why = e.lease?.error;
        reasons.push(`endpoint ${e.name} is ${e.state}${why ? `: ${why}` : ''}`);
        continue;
      }
      const broker = brokerReason(e.name, this.endpoints.get(e.name)?.broker ?? null);
      if (broker !== undefined) reasons.push(broker);
    }
    return reasons;
  }

  /** Pids of the endpoint processes alive now (for a forced stop). */
  endpointPids(): number[] {
    return this.supervisor
      .status()
      .map((s) => s.pid)
      .filter((p): p is number => p !== undefined);
  }

  /** Drains and stops every endpoint (within their limits), then the rest. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const steps: [string, () => Promise<void>][] = [
        ['campaigns', async () => this.placement?.stopCampaigning()],
        ['standbys', () => Promise.resolve(this.leaseWaits.close())],
        ['endpoints', () => this.supervisor.close()],
        ['leases', async () => this.placement?.close()],
        ['http', async () => this.http?.close()],
        ['broker probe', () => Promise.resolve(this.brokerHealth?.close())],
        ['kernel', async () => this.kernel?.shutdown('node stopping')],
        ['broker', async () => this.broker?.close()],
        ['metrics', () => Promise.resolve(this.metrics.close())],
        ['lineage', async () => this.lineage?.close()],
        ['lock', async () => this.lock?.release()],
      ];
      for (const [what, step] of steps) {
        try {
          await step();
        } catch (err) {
          this.log.error(`closing ${what} failed: ${(err as Error).message}`);
        }
      }
      this.log.info(this.startFailed ? 'node start failed: stopped' : 'node stopped');
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
