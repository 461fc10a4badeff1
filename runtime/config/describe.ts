/** A node config as an operator wants to read it: one summary, secrets never shown. */
import type { NodeConfig } from './config.js';

/** The config as JSON-ready data with the secret replaced by `"<redacted>"`. */
export function redactConfig(config: NodeConfig): NodeConfig {
  return {
    ...config,
    cluster: {
      ...config.cluster,
      secret: config.cluster.secret === undefined ? undefined : '<redacted>',
    },
    broker:
      config.broker.kind === 'external'
        ? { kind: 'external', urls: config.broker.urls.map(redactUrlPassword) }
        : config.broker,
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

/** A few lines naming what the node would run, for `aes config check`. */
export function describeConfig(config: NodeConfig): string {
  const { cluster, broker, http, endpoints } = config;
  const seeds = cluster.seeds.map((s) => `${s.host}:${s.port}`).join(', ');
  return [
    `${config.file}: valid`,
    `  node       ${config.node} (data in ${config.dataDir})`,
    `  cluster    ${cluster.host}:${cluster.port}${seeds === '' ? ', no seeds' : `, seeds ${seeds}`}${cluster.secret !== undefined || cluster.secretFile !== undefined ? ', secret set' : ''}`,
    broker.kind === 'external'
      ? `  broker     ${broker.urls.map(redactUrlPassword).join(', ')}`
      : `  broker     embedded on ${broker.host}:${broker.port} (data in ${broker.dataDir})`,
    `  http       ${http.host}:${http.port}`,
    `  endpoints  ${endpoints.folder}${Object.keys(endpoints.overrides).length > 0 ? ` (overrides: ${Object.keys(endpoints.overrides).sort().join(', ')})` : ''}`,
  ].join('\n');
}
