/**
 * What the node (`runtime/`) needs of the broker beyond `aes-endpoint-server/broker`: the host of
 * the internal listener its endpoints use, and which bind addresses stay on this machine.
 */
export { INTERNAL_LISTENER_HOST } from './options.js';
export { isLoopbackHost } from './defaults.js';
