/**
 * Runs one endpoint in this process, linked to its node: connect and authenticate, fetch the
 * launch config (as a warm standby, load and wait for the lease first), connect the transport, build the endpoint from its entry module, report over
 * the link, and drain on SIGTERM/SIGINT, on the node's `stop`, or when the node goes away.
 * Used by the process a node launches (`endpoint-main.ts`) and by `aes endpoint run NAME`.
 */
import { pathToFileURL } from 'node:url';
import { Registry } from 'prom-client';
import { ClusterError } from '../../cluster/index.js';
import { createTransport, redactUrl, type TransportState } from '../../transports/index.js';
import { serveEndpoint } from '../endpoint/serve.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import { EndpointLink } from '../link/endpoint-link.js';
import { EndpointMetrics } from '../observability/endpoint-collector.js';
import { MetricsReporter } from '../observability/metrics-reporter.js';
import { TransportMetrics } from '../observability/transport-collector.js';
import { SpawnError } from '../errors.js';
import { endpointContext, type EndpointFactory } from './endpoint-module.js';
import { openFence, type OpenFence } from './endpoint-fence.js';
import { standBy } from './endpoint-standby.js';
import type { Coordinator } from '../../coordination/index.js';
import type { ExitGuard } from './exit-guard.js';
import { endStaleCopy } from './stale-copy.js';
import type { Logger, LogLevel } from './logger.js';
import { logBrokerChange } from './log-levels.js';

export interface EndpointHostOptions {
  /** The node's socket, `unix:/path`. */
  readonly address: string;
  readonly node: string;
  readonly endpoint: string;
  readonly secret: string;
  /** Where this process's own lines go when the link cannot take them. */
  readonly log: Logger;
  /** Also write every line to `log` (an endpoint run by hand, in a terminal). @defaultValue false */
  readonly echo?: boolean;
  /**
   * The process's exit guard, when this host is the process's main work: it logs over the link,
   * and once the node is lost it makes sure the process is gone after the drain timeout plus
   * `LOST_NODE_GRACE_MS`, however the drain goes.
   */
  readonly exitGuard?: ExitGuard;
  /**
   * End a stale copy of this endpoint that holds its data folder (`stale-copy.ts`) before
   * starting: true for a copy the node launched, which it does only when it runs none.
   * @defaultValue false
   */
  readonly takeOverStaleCopy?: boolean;
  /**
   * May stand by warm for its node's lease (`coordination.warmStandby`): true for a copy the node
   * launched; one run by hand is refused while its node does not hold the lease.
   * @defaultValue false
   */
  readonly mayStandBy?: boolean;
}

/** Beyond the drain timeout, how long an endpoint that lost its node may take to exit: 10 s. */
export const LOST_NODE_GRACE_MS = 10_000;

/**
 * Imports an entry module. A TypeScript one needs tsx: a launched process has it from its
 * command line, `aes run` from source has it anyway; a built `aes endpoint run` registers it.
 */
async function importEntry(module: string): Promise<unknown> {
  const tsxLoaded =
    import.meta.url.endsWith('.ts') || process.execArgv.some((arg) => arg.includes('tsx'));
  if (/\.[cm]?ts$/.test(module) && !tsxLoaded) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  return import(pathToFileURL(module).href);
}

/** Resolves with the process's exit code: 0 after a stop, 1 when the endpoint failed. */
export async function runEndpointHost(options: EndpointHostOptions): Promise<number> {
  const link = await EndpointLink.connect({
    address: options.address,
    node: options.node,
    endpoint: options.endpoint,
    secret: options.secret,
  }).catch((err: unknown) => {
    if (!(err instanceof ClusterError && err.code === 'NAME_TAKEN')) throw err;
    // A copy run by hand while the node's own process is linked (running, or standing by warm).
    throw new SpawnError(
      `${options.endpoint} already has a process linked to node ${options.node} (the one the node supervises, running it or standing by warm for its lease, or another copy run by hand); aes endpoint run is for an endpoint whose supervised process is stopped`,
      { cause: err },
    );
  });
  // Lines travel over the link; once it is gone, the process's own output carries them (a
  // launched process's output is read by its node too).
  const linkLog = (level: LogLevel) => (msg: string, fields?: object) => {
    if (options.echo === true || link.lost !== undefined) options.log[level](msg, { ...fields });
    link.log(level, msg, { ...fields });
  };
  const log: Logger = {
    debug: linkLog('debug'),
    info: linkLog('info'),
    warn: linkLog('warn'),
    error: linkLog('error'),
    child: () => log,
  };
  options.exitGuard?.useLog(log);
  try {
    let config = await link.fetchConfig({ standby: options.mayStandBy === true });
    // A warm standby loads now and waits for the lease; the rest begins once it holds it.
    let loading: Promise<{ default?: unknown }> | undefined;
    let coordinator: Coordinator | undefined;
    const standby = config.standby;
    if (standby !== undefined && config.fence === undefined) {
      loading = importEntry(config.module) as Promise<{ default?: unknown }>;
      ({ config, coordinator } = await standBy(link, { ...config, standby }, loading, log));
    }
    if (config.leaseMs !== undefined && config.fence === undefined) {
      // Placed by lease, but the node holds no lease for it (another node may run it now): a
      // copy started by hand, or restarted in the moment the lease was lost, must not run.
      throw new SpawnError(
        `${config.endpoint} is placed by lease and ${config.node} does not hold its lease; use aes endpoint move ${config.endpoint} --to ${config.node} to run it here`,
      );
    }
    if (options.takeOverStaleCopy === true) {
      await endStaleCopy({
        dataDir: config.dataDir,
        endpoint: config.endpoint,
        node: config.node,
        drainTimeoutMs: config.settings.drainTimeoutMs,
        log,
      });
    }
    // Stable across restarts: an MQTT endpoint's persistent session (its queue) is its client id.
    const transport = createTransport(config.brokerUrls, {
      clientId: `${config.endpoint}.${config.node}`,
    });
    // This process's metrics travel to the node over the link; one scrape of the node shows them.
    const registry = new Registry();
    const metrics = new EndpointMetrics({ registry });
    metrics.add(config.endpoint);
    new TransportMetrics(registry).attach(transport, config.endpoint);
    const reporter = new MetricsReporter({
      endpoint: config.endpoint,
      registry,
      send: (message) => void link.report(message),
    });
    // Before the broker connects (which makes the node ready again): a scrape then finds this
    // process's counters at zero, not a gap until the endpoint is built.
    await reporter.report();
    // The node shows and judges (`/readyz`) the endpoint's broker connection by these reports.
    let brokerUrl = redactUrl(config.brokerUrls[0] ?? '');
    const reportBroker = (state: TransportState, error: Error | undefined) =>
      link.report({
        kind: 'broker',
        state,
        url: brokerUrl,
        error: error?.message ?? null,
        atMs: Date.now(),
      });
    transport.listen({
      stateChange: (c) => {
        brokerUrl = c.url;
        reportBroker(c.to, c.error);
        logBrokerChange(log, c);
      },
      warning: (w) => log.warn(w.message, { code: w.code, url: w.url }),
      // A failed attempt while (re)connecting: the state stays, the reason is news.
      error: (err) => {
        if (transport.state === 'connecting' || transport.state === 'reconnecting') {
          reportBroker(transport.state, err);
        }
      },
    });
    let fenced: OpenFence | undefined;
    try {
      log.info('connecting to the broker and loading the entry module', {
        urls: config.brokerUrls.map((u) => redactUrl(u)),
        module: config.module,
      });
      // Side by side, not in turn: a standby taking an endpoint over waits for all three.
      const [connected, imported, opened] = await Promise.allSettled([
        transport.connect(),
        loading ?? (importEntry(config.module) as Promise<{ default?: unknown }>),
        config.fence === undefined
          ? Promise.resolve(undefined)
          : openFence(config.fence, coordinator),
      ]);
      if (opened.status === 'fulfilled') fenced = opened.value;
      for (const step of [connected, imported, opened]) {
        if (step.status === 'rejected') throw step.reason;
      }
      log.info('broker connected; entry module loaded');
      const loaded = (imported as PromiseFulfilledResult<{ default?: unknown }>).value;
      if (typeof loaded.default !== 'function') {
        throw new SpawnError(
          `${config.module} must export default a function (context) => Endpoint, got ${typeof loaded.default}`,
        );
      }
      const factory = loaded.default as EndpointFactory;
      const endpoint: Endpoint = await factory(
        endpointContext({
          name: config.endpoint,
          node: config.node,
          transport,
          dataDir: config.dataDir,
          settings: config.settings,
          log,
          ...(fenced === undefined ? {} : { fence: fenced.fence }),
        }),
      );
      // A link lost while the module loaded was not seen by `onLost`: without its node, the
      // endpoint must not run (its reports would go nowhere and nothing would supervise it).
      if (link.lost !== undefined) {
        log.error(`lost the node while loading (${link.lost}); exiting`);
        return 1;
      }
      endpoint.listen(link.listenerFor(endpoint));
      endpoint.listen(metrics);
      endpoint.listen({
        counter: (e) => {
          const ids = e.ids?.join(', ') ?? '?';
          if (e.counter === 'possibleDuplicates') {
            log.warn(
              `put ${ids} again: its earlier put may have reached the target unseen (the endpoint died, or the answer was lost), and the endpoint has no alreadyDelivered() to ask; a possible duplicate at the target`,
              { ids: e.ids },
            );
          } else if (e.counter === 'confirmedDelivered') {
            log.info(
              `${ids}: the target already holds it (alreadyDelivered); acked without a put`,
              {
                ids: e.ids,
              },
            );
          }
        },
      });
      void reporter.report();
      const drainTimeoutMs = config.settings.drainTimeoutMs;
      link.onStop(() => void endpoint.stop({ timeoutMs: drainTimeoutMs }));
      link.onLost((reason) => {
        // Placed by lease: the lost node renewed its lease at most a sixth of it ago, so a
        // standby may start this endpoint five sixths of it from now at the earliest. Gone by half.
        const leaseMs = config.leaseMs;
        const exitMs = leaseMs === undefined ? drainTimeoutMs + LOST_NODE_GRACE_MS : leaseMs / 2;
        const drainMs =
          leaseMs === undefined ? drainTimeoutMs : Math.min(drainTimeoutMs, leaseMs / 3);
        options.exitGuard?.exitWithin(Math.floor(exitMs), 1, 'losing the node');
        options.log.warn(`lost the node (${reason}); draining`);
        void endpoint.stop({ timeoutMs: Math.floor(drainMs) });
      });
      const code = await serveEndpoint(endpoint, {
        drainTimeoutMs,
        onError: (err) => log.error(`failed: ${err instanceof Error ? err.message : String(err)}`),
      });
      log.info(code === 0 ? 'stopped' : 'stopped after a failure');
      return code;
    } finally {
      await reporter.stop();
      await transport.close();
      await fenced?.close();
    }
  } catch (err) {
    log.error(`cannot run: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await link.close();
  }
}
