/** What a node keeps for each endpoint of its folder, beside the supervisor's process. */
import type { EndpointCounters } from '../endpoint/progress.js';
import type { EndpointProcess } from '../supervisor/endpoint-process.js';
import type { EndpointBrokerView } from './broker-health.js';
import type { EndpointActivity } from './endpoint-activity.js';
import type { EndpointEntry } from './endpoint-folder.js';
import type { Logger } from './logger.js';

export interface Managed {
  readonly entry: EndpointEntry;
  readonly token: string;
  readonly process: EndpointProcess;
  readonly log: Logger;
  /** Summed over every process the node ran for it (see `lifetime-counters.ts`). */
  counters: EndpointCounters | null;
  lastError: string | null;
  /** Set while an endpoint started by hand is attached (the supervised one is stopped). */
  attached: boolean;
  /** Its broker connection, as its running process last reported it. */
  broker: EndpointBrokerView | null;
  /** What the console shows: rates, in-flight age, counters over restarts, last error. */
  readonly activity: EndpointActivity;
}
