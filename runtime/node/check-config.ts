/**
 * Everything a node checks before it starts anything, none of it over the network: the config
 * (schema, then the files it names, by `loadConfig`), the endpoints folder (`findEndpoints`: each
 * folder an endpoint name with an entry module) and the external broker URLs (a transport for
 * their scheme, one protocol, their options and TLS files usable — what each endpoint would
 * otherwise find out only when it starts). `AesNode.start`, `aes config check` and a reload on
 * SIGHUP all run this one function, so a config one of them accepts the others accept too.
 */
import { createTransport, TransportError } from '../../transports/index.js';
import { loadConfig, type NodeConfig } from '../config/config.js';
import { ConfigError } from '../errors.js';
import { findEndpoints, type EndpointEntry } from './endpoint-folder.js';

/** A config that passed every check, and the endpoints a node would run from it. */
export interface CheckedConfig {
  /** The config as loaded (defaults applied, named files read). */
  readonly config: NodeConfig;
  /** The endpoints found in `config.endpoints.folder`, sorted by name. */
  readonly endpoints: readonly EndpointEntry[];
}

/** Builds (and closes) a transport for the broker URLs: what an endpoint does first. */
async function checkBrokerUrls(config: NodeConfig): Promise<void> {
  if (config.broker.kind !== 'external') return;
  try {
    // Builds, never connects: a transport checks its URLs and options (and reads the TLS files
    // they name) when created, and loads its client library on its first connection only.
    // The client id is the one endpoints use (`<endpoint>.<node>`, which MQTT requires), with a
    // stand-in endpoint name: only its presence is checked here.
    await createTransport(config.broker.urls, { clientId: `config-check.${config.node}` }).close();
  } catch (err) {
    if (!(err instanceof TransportError)) throw err;
    throw new ConfigError(config.file, [{ pointer: '/broker/urls', message: err.message }]);
  }
}

/**
 * Checks a loaded config as a node would before starting. Throws `ConfigError` naming the field
 * (and, for the endpoints folder, the folder at fault).
 */
export async function checkNodeConfig(config: NodeConfig): Promise<CheckedConfig> {
  const endpoints = await findEndpoints(config.endpoints.folder, config.file);
  await checkBrokerUrls(config);
  return { config, endpoints };
}

/**
 * Reads and checks a config file: `loadConfig`, then {@link checkNodeConfig}. Throws
 * `ConfigReadError` or `ConfigError`.
 */
export async function checkConfigFile(file: string): Promise<CheckedConfig> {
  return checkNodeConfig(await loadConfig(file));
}
