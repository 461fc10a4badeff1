/**
 * What the CLI needs of the cluster beyond `aes/cluster`: the one-shot client commands behind
 * `aes post`, `aes call` and `aes ping`, with their flags.
 */
export {
  callOnce,
  parseJsonArgument,
  pingOnce,
  postOnce,
  type ClientFlags,
} from './client-commands.js';
