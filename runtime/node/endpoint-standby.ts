/**
 * An endpoint process as a warm standby (`EndpointLaunchConfig.standby`, issue 16): its node
 * does not hold the endpoint's lease, so the process only gets ready — its entry module loaded,
 * its connection to the coordination engine open — and asks its node for the lease until the
 * node holds it. Nothing else happens before: no broker connection (an MQTT session would start
 * delivering), no data folder, no store; the process takes those once it has the lease's fence.
 * Once loaded, it tells its node it is alive as often as a running endpoint would; when it takes
 * over, its node watches it as a process starting afresh (`startLimitMs` for its first heartbeat).
 */
import {
  openCoordinator,
  redactCoordinationUrl,
  type Coordinator,
} from '../../coordination/index.js';
import type { EndpointLink } from '../link/endpoint-link.js';
import type { EndpointLaunchConfig } from '../link/protocol.js';
import { SpawnError } from '../errors.js';
import type { Logger } from './logger.js';

export interface StandbyResult {
  /** The config to run under the lease: it carries the fence. */
  readonly config: EndpointLaunchConfig & {
    readonly fence: NonNullable<EndpointLaunchConfig['fence']>;
  };
  /** The engine connection opened while standing by, when it could be opened. */
  readonly coordinator: Coordinator | undefined;
}

/**
 * Waits, loaded, for the node to hold the lease; rejects when loading fails or the node is lost
 * (the process then exits and its supervisor decides).
 */
export async function standBy(
  link: EndpointLink,
  config: EndpointLaunchConfig & { readonly standby: { readonly url: string } },
  loading: Promise<unknown>,
  log: Logger,
): Promise<StandbyResult> {
  const url = config.standby.url;
  // Best effort: an engine unreachable now is opened again with the fence, and refused there.
  const opening = openCoordinator(url).catch((err: unknown) => {
    log.warn(
      `standing by without the coordination engine ${redactCoordinationUrl(url)} (${(err as Error).message}): it is opened again on taking over`,
    );
    return undefined;
  });
  let timer: NodeJS.Timeout | undefined;
  // A node gone ends the standby at once (a call to it may wait for a link that never returns).
  const lostNode = (reason: string) =>
    new SpawnError(`lost the node while standing by (${reason})`);
  const lost = new Promise<never>((_resolve, reject) => {
    if (link.lost !== undefined) reject(lostNode(link.lost));
    link.onLost((reason) => reject(lostNode(reason)));
  });
  lost.catch(() => undefined);
  try {
    // Signs of life from here on: until the module is loaded, the start allowance (startLimitMs)
    // covers it, as for a process started cold.
    await Promise.race([loading, lost]);
    const beat = () => link.report({ kind: 'standby', atMs: Date.now() });
    beat();
    timer = setInterval(beat, config.settings.heartbeatIntervalMs);
    log.info('warm standby: entry module loaded; waiting for this node to hold the lease');
    for (;;) {
      const next = await Promise.race([link.awaitLease(), lost]);
      if (next === null) continue;
      const fence = next.fence;
      if (fence === undefined) {
        throw new SpawnError(`the node answered the lease without a fence for ${next.endpoint}`);
      }
      const coordinator = await opening;
      log.info('the node holds the lease: taking over', { token: fence.token });
      return { config: { ...next, fence }, coordinator };
    }
  } catch (err) {
    // In the background: an engine that does not answer must not hold the exit up.
    void opening.then((c) => c?.close()).catch(() => undefined);
    throw err;
  } finally {
    clearInterval(timer);
  }
}
