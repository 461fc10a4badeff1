/**
 * The contract of an endpoint folder's entry module (`endpoints/<name>/index.ts`): a default
 * export that builds the endpoint from what the node provides. A factory rather than a class,
 * because the endpoint's constructor also needs its SOAP clients, which the module builds.
 */
import type { Destination, Transport } from '../../transports/index.js';
import type { EndpointSettings } from '../config/config.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import type { EndpointFence } from '../store/engine-fence.js';
import type { InboundEndpointOptions } from '../endpoint/inbound-endpoint.js';
import type { OutboundEndpointOptions } from '../endpoint/outbound-endpoint.js';
import type { Logger } from './logger.js';
import { prefetchFor } from '../endpoint/prefetch.js';

export interface EndpointContext {
  readonly name: string;
  readonly node: string;
  /** Connected; closed by the host after the endpoint stopped. */
  readonly transport: Transport;
  /** The endpoint's own data folder (journal, de-duplication store). */
  readonly dataDir: string;
  /** Its settings from the node config (defaults and overrides applied). */
  readonly settings: EndpointSettings;
  /** Lines go to the node's log, tagged with the endpoint's name. */
  readonly log: Logger;
  /**
   * Placed by lease: where the endpoint's journal or delivery records live (the coordination
   * engine) instead of `dataDir`. `outbound()` and `inbound()` pass it on.
   */
  readonly fence?: EndpointFence;
  /** Options of an outbound endpoint publishing to `destination`, from the settings. */
  outbound(destination: Destination): OutboundEndpointOptions;
  /** Options of an inbound endpoint consuming `source`, from the settings. */
  inbound(source: Destination): InboundEndpointOptions;
}

/** What `export default` of an entry module must be. */
export type EndpointFactory = (context: EndpointContext) => Endpoint | Promise<Endpoint>;

/** Types an entry module's factory: `export default defineEndpoint((ctx) => new MyEndpoint(…))`. */
export function defineEndpoint(factory: EndpointFactory): EndpointFactory {
  return factory;
}

export function endpointContext(
  base: Omit<EndpointContext, 'outbound' | 'inbound'>,
): EndpointContext {
  const common = {
    name: base.name,
    transport: base.transport,
    dataDir: base.dataDir,
    callTimeoutMs: base.settings.callTimeoutMs,
    heartbeatIntervalMs: base.settings.heartbeatIntervalMs,
    ...(base.fence === undefined ? {} : { fence: base.fence }),
  };
  return {
    ...base,
    outbound: (destination) => ({
      ...common,
      destination,
      batchSize: base.settings.batchSize,
      idlePoll: base.settings.idlePoll,
    }),
    inbound: (source) => ({
      ...common,
      source,
      // Below `concurrency` (each put in flight holds one unacknowledged message), raised to
      // twice it: the next messages are at hand when a put ends, while its ack is under way.
      prefetch: prefetchFor(base.settings.prefetch, base.settings.concurrency),
      batchSize: base.settings.batchSize,
      concurrency: base.settings.concurrency,
      maxDeliveries: base.settings.maxDeliveries,
      ...(base.settings.deadLetter === undefined ? {} : { deadLetter: base.settings.deadLetter }),
    }),
  };
}
