/**
 * The console's view of the embedded broker's queues: per destination the messages ready
 * (waiting for a consumer), unacknowledged (delivered, not yet acked) and, for a queue that
 * inbound endpoints consume, the depth of their dead-letter queue. Dead-letter queues are
 * listed too, marked with the endpoints that write to them. Which endpoint consumes which queue
 * comes from their heartbeats; the numbers come from the broker itself (`BrokerHandle.stats()`).
 *
 * An external broker's depths are not read: the node has no API to it that gives them, so the
 * view says so instead of showing numbers it does not have.
 */
import type { BrokerStats } from '../../broker/index.js';
import type { EndpointQueues } from '../endpoint/progress.js';
import { redactUrl } from '../../transports/index.js';

export interface DestinationDepth {
  readonly destination: string;
  /** Messages waiting for a consumer. */
  readonly ready: number;
  /** Messages delivered to a consumer and not yet acknowledged. */
  readonly unacked: number;
  readonly consumers: number;
  /**
   * The dead-letter queue(s) of the endpoints consuming this destination and their depth (ready
   * plus unacked); null when no endpoint of this node is known to consume it.
   */
  readonly deadLetter: { readonly queues: readonly string[]; readonly depth: number } | null;
  /** The endpoints whose dead-letter queue this is; empty for other queues. */
  readonly deadLetterOf: readonly string[];
}

export type BrokerDepths =
  | { readonly kind: 'embedded'; readonly destinations: readonly DestinationDepth[] }
  | { readonly kind: 'external'; readonly urls: readonly string[]; readonly note: string };

/** What the console says instead of numbers for a broker it cannot ask. */
export const EXTERNAL_BROKER_NOTE =
  'queue depths are shown for the embedded broker only: read them from the external broker (e.g. the RabbitMQ management UI)';

export interface NamedQueues {
  readonly endpoint: string;
  readonly queues: EndpointQueues;
}

/** The depths of every queue of `stats`, and of every queue an endpoint names. */
export function embeddedBrokerDepths(
  stats: BrokerStats,
  endpoints: readonly NamedQueues[],
): BrokerDepths {
  const queue = (name: string) => stats.queues[name];
  const names = new Set(Object.keys(stats.queues).filter((n) => n.startsWith('/queue/')));
  for (const { queues } of endpoints) {
    for (const name of [queues.consumes, queues.publishes, queues.deadLetter]) {
      if (name?.startsWith('/queue/') === true) names.add(name);
    }
  }
  const destinations = [...names].sort().map((destination): DestinationDepth => {
    const q = queue(destination);
    const consumers = endpoints.filter((e) => e.queues.consumes === destination);
    const dlqs = [
      ...new Set(consumers.flatMap((e) => (e.queues.deadLetter ? [e.queues.deadLetter] : []))),
    ];
    return {
      destination,
      ready: q?.depth ?? 0,
      unacked: q?.unacked ?? 0,
      consumers: q?.consumers ?? 0,
      deadLetter:
        dlqs.length === 0
          ? null
          : {
              queues: dlqs,
              depth: dlqs.reduce(
                (n, d) => n + (queue(d)?.depth ?? 0) + (queue(d)?.unacked ?? 0),
                0,
              ),
            },
      deadLetterOf: endpoints
        .filter((e) => e.queues.deadLetter === destination)
        .map((e) => e.endpoint)
        .sort(),
    };
  });
  return { kind: 'embedded', destinations };
}

/** The view of an external broker: its URLs (without credentials) and why there are no depths. */
export function externalBrokerDepths(urls: readonly string[]): BrokerDepths {
  return { kind: 'external', urls: urls.map((u) => redactUrl(u)), note: EXTERNAL_BROKER_NOTE };
}
