/** A node config as an operator wants to read it: one summary, secrets never shown. */
import { redactCoordinationUrl } from '../../coordination/index.js';
import { relative } from 'node:path';
import type { BrokerConfig, NodeConfig } from './config.js';

const REDACTED = '<redacted>';

/**
 * The config as JSON-ready data: the secret and passcodes replaced by `"<redacted>"`, and the
 * contents of TLS files (a private key among them) left out; their paths stay.
 */
export function redactConfig(config: NodeConfig): NodeConfig {
  const clusterTls = config.cluster.tls;
  return {
    ...config,
    cluster: {
      ...config.cluster,
      secret: config.cluster.secret === undefined ? undefined : REDACTED,
      tls:
        clusterTls === undefined
          ? undefined
          : {
              certFile: clusterTls.certFile,
              keyFile: clusterTls.keyFile,
              caFile: clusterTls.caFile,
            },
    },
    broker: redactBroker(config.broker),
    coordination:
      config.coordination === undefined
        ? undefined
        : { ...config.coordination, url: redactCoordinationUrl(config.coordination.url) },
  };
}

function redactBroker(broker: BrokerConfig): BrokerConfig {
  if (broker.kind === 'external') {
    return {
      kind: 'external',
      urls: broker.urls.map(redactUrlPassword),
      ...(broker.managementUrl === undefined
        ? {}
        : { managementUrl: redactUrlPassword(broker.managementUrl) }),
    };
  }
  const { users, tls, ...rest } = broker;
  return {
    ...rest,
    ...(users === undefined
      ? {}
      : { users: Object.fromEntries(Object.keys(users).map((login) => [login, REDACTED])) }),
    tls:
      tls === undefined
        ? undefined
        : { certFile: tls.certFile, keyFile: tls.keyFile, clientCaFile: tls.clientCaFile },
  };
}

function redactUrlPassword(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== '') url.password = 'redacted';
    return url.toString();
  } catch {
    return text;
  }
}

/** What protects the embedded broker, for the summary: `, 2 logins, TLS (mutual)`. */
function brokerProtection(broker: Extract<BrokerConfig, { kind: 'embedded' }>): string {
  const parts: string[] = [];
  if (broker.usersFile !== undefined) {
    const n = broker.users === undefined ? undefined : Object.keys(broker.users).length;
    parts.push(
      n === undefined ? `logins from ${broker.usersFile}` : `${n} login${n === 1 ? '' : 's'}`,
    );
  }
  if (broker.tls !== undefined) {
    parts.push(broker.tls.clientCaFile === undefined ? 'TLS' : 'TLS (mutual)');
  }
  return parts.length === 0 ? ', no logins, no TLS' : `, ${parts.join(', ')}`;
}

/** One line per endpoint: its name and its entry module, relative to the endpoints folder. */
function endpointLines(
  folder: string,
  found: readonly { readonly name: string; readonly module: string }[],
): string[] {
  if (found.length === 0) return ['    (no endpoint found)'];
  const width = Math.max(...found.map((e) => e.name.length));
  return found.map((e) => {
    const module = relative(folder, e.module);
    return `    ${e.name.padEnd(width)}  ${module.startsWith('..') ? e.module : module}`;
  });
}

/**
 * A few lines naming what the node would run, for `aes config check`; with `endpoints` (what
 * `checkNodeConfig` found: names and absolute entry module paths), one more line per endpoint.
 */
export function describeConfig(
  config: NodeConfig,
  endpoints?: readonly { readonly name: string; readonly module: string }[],
): string {
  const { cluster, broker, http } = config;
  const hostPort = (p: { host: string; port: number }): string =>
    `${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`;
  const seeds = cluster.seeds.map(hostPort).join(', ');
  const advertise = cluster.advertise?.map(hostPort).join(', ');
  return [
    `${config.file}: valid`,
    `  node       ${config.node} (data in ${config.dataDir})`,
    `  cluster    ${hostPort(cluster)}${seeds === '' ? ', no seeds' : `, seeds ${seeds}`}${advertise === undefined ? '' : `, advertised as ${advertise}`}${cluster.secret !== undefined || cluster.secretFile !== undefined ? ', secret set' : ''}`,
    broker.kind === 'external'
      ? `  broker     ${broker.urls.map(redactUrlPassword).join(', ')}`
      : `  broker     embedded on ${hostPort(broker)} (data in ${broker.dataDir})${brokerProtection(broker)}`,
    `  http       ${hostPort(http)}`,
    ...(config.coordination === undefined
      ? []
      : [
          `  placement  by lease on ${redactCoordinationUrl(config.coordination.url)} (lease ${config.coordination.leaseMs} ms)`,
        ]),
    `  endpoints  ${config.endpoints.folder}${Object.keys(config.endpoints.overrides).length > 0 ? ` (overrides: ${Object.keys(config.endpoints.overrides).sort().join(', ')})` : ''}`,
    ...(endpoints === undefined ? [] : endpointLines(config.endpoints.folder, endpoints)),
  ].join('\n');
}
