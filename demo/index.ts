/**
 * The entry of `demo/`: `aes demo`, the main job on loopback in one command (docs/demo.md). Not a
 * package subpath: the CLI runs it.
 */
export { DEMO_SOURCE_WSDL, DEMO_TARGET_WSDL, DEMO_WSDL_DIR } from './assets.js';
export { DEMO_INBOUND, DEMO_OUTBOUND, DEMO_QUEUE, DemoCluster, type DemoNode } from './cluster.js';
export {
  DEMO_NODE_PAGES,
  DEMO_POLL_MS,
  runDemo,
  type DemoIo,
  type DemoOutcome,
  type DemoResult,
} from './demo.js';
export {
  DemoInbound,
  DemoOutbound,
  inboundEntry,
  outboundEntry,
  type SourceClient,
  type TargetClient,
} from './endpoints.js';
export { DemoError, type DemoErrorCode } from './errors.js';
export {
  DEFAULT_DEMO_RECORDS,
  DEFAULT_DEMO_STALL_TIMEOUT_MS,
  DEMO_PORT_COUNT,
  MAX_DEMO_RECORDS,
  MAX_DEMO_STALL_TIMEOUT_MS,
} from './defaults.js';
export { resolveDemoOptions, type DemoOptions } from './options.js';
export { DEMO_PROGRESS_LINE_MS } from './progress.js';
export { formatInterrupted, formatSummary, tally, type DemoTally } from './tally.js';
