/**
 * What siblings need of the cluster beyond `aes-endpoint-server/cluster`: the one-shot client
 * commands behind `aes post`, `aes call` and `aes ping`, with their flags (the CLI), and the
 * loopback test that decides which addresses stay on a host (the node's start-up warning); the
 * detector's defaults (the `hosts` bench).
 */
export { isLoopbackHost } from './advertise.js';
export {
  callOnce,
  parseJsonArgument,
  pingOnce,
  postOnce,
  type ClientFlags,
} from './client-commands.js';
// `aes run` overrides none of these: the `hosts` bench prints the bounds they set beside what it
// measures.
export { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_HEARTBEAT_TIMEOUT_MS } from './heartbeat.js';
export { DEFAULT_DIAL_SOCKET_TIMEOUT_MS, DEFAULT_REDIAL_MAX_MS } from './options.js';
