/**
 * What siblings need of the cluster beyond `aes/cluster`: the one-shot client commands behind
 * `aes post`, `aes call` and `aes ping`, with their flags (the CLI), and the loopback test that
 * decides which addresses stay on a host (the node's start-up warning).
 */
export { isLoopbackHost } from './advertise.js';
export {
  callOnce,
  parseJsonArgument,
  pingOnce,
  postOnce,
  type ClientFlags,
} from './client-commands.js';
