/**
 * What `/console.json` serves, the data of the status page's live console: this node's
 * endpoints with their rate history, recent rates, in-flight age, counters over every process
 * and last error; the embedded broker's queue depths; the cluster's members. Pure assembly: the
 * parts are kept by `EndpointActivity`, the broker and `MemberDirectory`.
 */
import type { BrokerStats } from '../../broker/index.js';
import { embeddedBrokerDepths, externalBrokerDepths, type BrokerDepths } from './broker-depths.js';
import type { EndpointActivity, EndpointActivityView } from './endpoint-activity.js';
import type { Member } from './members.js';

/** How often the page asks for `/console.json`. */
export const CONSOLE_REFRESH_MS = 2_000;

export interface ConsoleEndpoint extends EndpointActivityView {
  readonly name: string;
  /** The supervisor's state (`running`, `backoff`, …), `attached` or `standby`. */
  readonly state: string;
  readonly pid: number | null;
  readonly restarts: number;
}

export interface ConsoleSnapshot {
  readonly node: string;
  /** When it was taken (ISO 8601, node clock). */
  readonly at: string;
  readonly members: readonly Member[];
  readonly endpoints: readonly ConsoleEndpoint[];
  readonly broker: BrokerDepths;
}

export interface ConsoleEndpointSource {
  readonly name: string;
  readonly state: string;
  readonly pid: number | null;
  readonly restarts: number;
  readonly activity: EndpointActivity;
}

export interface ConsoleHost {
  readonly node: string;
  members(): Promise<readonly Member[]>;
  endpoints(): readonly ConsoleEndpointSource[];
  /** The embedded broker's stats; undefined with an external broker. */
  brokerStats(): BrokerStats | undefined;
  /** The external broker's URLs (shown without credentials). */
  readonly brokerUrls: readonly string[];
}

export async function consoleSnapshot(
  host: ConsoleHost,
  nowMs: number = Date.now(),
): Promise<ConsoleSnapshot> {
  const members = await host.members();
  const endpoints = host.endpoints().map((e): ConsoleEndpoint => ({
    name: e.name,
    state: e.state,
    pid: e.pid,
    restarts: e.restarts,
    ...e.activity.view(nowMs),
  }));
  const stats = host.brokerStats();
  return {
    node: host.node,
    at: new Date(nowMs).toISOString(),
    members,
    endpoints,
    broker:
      stats === undefined
        ? externalBrokerDepths(host.brokerUrls)
        : embeddedBrokerDepths(
            stats,
            endpoints.map((e) => ({ endpoint: e.name, queues: e.queues })),
          ),
  };
}
