/**
 * What the CLI needs of `runtime/` beyond `aes-endpoint-server` and `aes-endpoint-server/node`:
 * running one endpoint in the terminal, attached to its running node (`aes endpoint run`), with the
 * node's socket and secret.
 */
export { runEndpointHost, type EndpointHostOptions } from './node/endpoint-host.js';
export { ExitGuard, type ExitGuardOptions } from './node/exit-guard.js';
export { nodeSocketPath, readNodeSecret } from './node/secret.js';
export * from './dead-letters/index.js';
