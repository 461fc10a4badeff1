/**
 * How a node launches one endpoint's process: the program beside this file (`endpoint-main`,
 * through tsx when TypeScript is involved), in the project folder, with the link's environment —
 * the node's socket, the names and the launch token, which never goes on a command line.
 */
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { endpointSettings, type NodeConfig } from '../config/config.js';
import {
  ENV_ENDPOINT_NAME,
  ENV_ENDPOINT_TOKEN,
  ENV_NODE_NAME,
  ENV_NODE_SOCKET,
  type EndpointLaunchConfig,
} from '../link/protocol.js';
import type { EndpointEntry } from './endpoint-folder.js';
import { endpointLeaseKey, instanceLeaseKey } from './placement.js';
import { nodeSocketPath } from './secret.js';

export interface EndpointLaunch {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** The program a node launches per endpoint (`.ts` from source, `.js` built). */
function endpointProgram(module: string): { command: string; args: string[] } {
  const here = fileURLToPath(import.meta.url);
  const main = join(dirname(here), `endpoint-main${extname(here)}`);
  const needsTsx = /\.[cm]?ts$/.test(main) || /\.[cm]?ts$/.test(module);
  // tsx runs TypeScript entry modules as they are; resolved from aes itself, not the project.
  const args = needsTsx ? ['--import', import.meta.resolve('tsx'), main] : [main];
  return { command: process.execPath, args };
}

/** The command, folder and environment of `entry`'s process; `extraEnv` over the node's own. */
export function endpointLaunch(
  config: NodeConfig,
  entry: EndpointEntry,
  token: string,
  extraEnv: NodeJS.ProcessEnv,
): EndpointLaunch {
  return {
    ...endpointProgram(entry.module),
    cwd: dirname(config.file),
    env: {
      ...process.env,
      ...extraEnv,
      [ENV_NODE_SOCKET]: `unix:${nodeSocketPath(config)}`,
      [ENV_NODE_NAME]: config.node,
      [ENV_ENDPOINT_NAME]: entry.name,
      [ENV_ENDPOINT_TOKEN]: token,
    },
  };
}

/**
 * What the node answers a launched endpoint's `config` request: its module, folders, broker and
 * settings; placed by lease, the lease time, and — while this node holds the lease (`token`) —
 * the fence its journal or delivery records are written under, or — while it does not and keeps
 * a warm standby (`warm`) — the engine to connect to while waiting for the lease.
 */
export function endpointLaunchConfig(
  config: NodeConfig,
  entry: EndpointEntry,
  brokerUrls: readonly string[],
  token: bigint | undefined,
  warm = false,
): EndpointLaunchConfig {
  const coordination = config.coordination;
  return {
    endpoint: entry.name,
    node: config.node,
    module: entry.module,
    dataDir: join(config.dataDir, 'endpoints', entry.name),
    brokerUrls,
    settings: endpointSettings(config, entry.name),
    ...(coordination && { leaseMs: coordination.leaseMs }),
    ...(coordination &&
      token !== undefined && {
        fence: coordination.shared.includes(entry.name)
          ? {
              url: coordination.url,
              key: instanceLeaseKey(entry.name, config.node),
              token: String(token),
              ledger: endpointLeaseKey(entry.name),
            }
          : { url: coordination.url, key: endpointLeaseKey(entry.name), token: String(token) },
      }),
    ...(coordination && token === undefined && warm && { standby: { url: coordination.url } }),
  };
}
