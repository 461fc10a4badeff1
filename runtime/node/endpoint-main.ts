/**
 * The program a node launches for each endpoint. Everything it needs comes from the environment
 * (`AES_NODE_SOCKET`, `AES_NODE_NAME`, `AES_ENDPOINT_NAME`, `AES_ENDPOINT_TOKEN`) and then from
 * the node over the link; the token is removed from the environment at once.
 */
import {
  ENV_ENDPOINT_NAME,
  ENV_ENDPOINT_TOKEN,
  ENV_NODE_NAME,
  ENV_NODE_SOCKET,
} from '../link/protocol.js';
import { createLogger, loggerOptionsFromEnv } from './logger.js';
import { runEndpointHost } from './endpoint-host.js';
import { ExitGuard } from './exit-guard.js';

const address = process.env[ENV_NODE_SOCKET];
const node = process.env[ENV_NODE_NAME];
const endpoint = process.env[ENV_ENDPOINT_NAME];
const secret = process.env[ENV_ENDPOINT_TOKEN];
delete process.env[ENV_ENDPOINT_TOKEN];
if (address === undefined || node === undefined || endpoint === undefined || !secret) {
  process.stderr.write(
    `aes endpoint: launched without ${ENV_NODE_SOCKET}, ${ENV_NODE_NAME}, ${ENV_ENDPOINT_NAME} and ${ENV_ENDPOINT_TOKEN}; start endpoints by hand with 'aes endpoint run NAME'\n`,
  );
  process.exit(2);
}
// The node reads these lines as the endpoint's output: JSON, so it can re-tag them.
const log = createLogger({ format: 'json', ...loggerOptionsFromEnv(), bindings: { endpoint } });
// From here on the process always exits, whatever fails and whether or not its node is there.
const exitGuard = ExitGuard.install({ log });
let code: number;
try {
  code = await runEndpointHost({
    address,
    node,
    endpoint,
    secret,
    log,
    exitGuard,
    // The node launches a copy only when it runs none: a live holder of the lock is stale.
    takeOverStaleCopy: true,
    // The node keeps it as a warm standby while another node holds the lease (if configured).
    mayStandBy: true,
  });
} catch (err) {
  log.error(`cannot reach node ${node} at ${address}: ${(err as Error).message}`);
  code = 1;
}
process.exitCode = code;
exitGuard.endpointStopped(code);
