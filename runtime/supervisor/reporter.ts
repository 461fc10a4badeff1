/**
 * The glue between an endpoint and whatever carries its reports to the supervisor: an
 * `EndpointListener` that forwards heartbeats and step changes to an `EndpointReports`. In an
 * endpoint process the reports go into the link to the node; in one process (tests, an endpoint
 * started by hand) straight into a `HangDetector`.
 */
import type { EndpointListener } from '../endpoint/progress.js';
import type { EndpointReports } from './hang-detector.js';

export function reportTo(reports: EndpointReports): EndpointListener {
  return {
    heartbeat: () => reports.heartbeat(),
    step: (event) => reports.progress(event.step, event.sinceMs),
  };
}
