/**
 * A node's config on a host, written as docs/deployment.md sets up a multi-host cluster: the
 * cluster listener on every address (`cluster.host` 0.0.0.0, port 7420), the HTTP surface on
 * every address (9464), a shared secret in a file of the host's own (mode 0600), and seeds by
 * host name. What a test adds (endpoints, a broker) is merged in at the top level.
 */
import { fileURLToPath } from 'node:url';
import type { Host } from './host.js';

/** The end-to-end tests' endpoint fixtures, which hosts' endpoints re-export. */
const FIXTURES = fileURLToPath(new URL('../../e2e/fixtures/', import.meta.url));

/** The cluster port every node of a bed listens on. */
export const CLUSTER_PORT = 7420;
/** The HTTP port every node of a bed listens on. */
export const HTTP_PORT = 9464;

export interface HostNodeConfig {
  readonly node: string;
  /** Host names (port 7420 added) or `host:port` addresses. */
  readonly seeds: readonly string[];
  readonly secret: string;
  /** More top-level fields of the config (`broker`, `endpoints`, …). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Writes `/srv/aes/cluster.secret` and `/srv/aes/aes.config.json` on `host`. */
export async function writeNodeConfig(host: Host, config: HostNodeConfig): Promise<void> {
  await host.writeFile('cluster.secret', `${config.secret}\n`, 0o600);
  await host.writeJson('aes.config.json', {
    node: config.node,
    cluster: {
      host: '0.0.0.0',
      port: CLUSTER_PORT,
      ...(config.seeds.length === 0
        ? {}
        : { seeds: config.seeds.map((s) => (s.includes(':') ? s : `${s}:${CLUSTER_PORT}`)) }),
      secretFile: `${host.root}/cluster.secret`,
    },
    http: { host: '0.0.0.0', port: HTTP_PORT },
    ...config.extra,
  });
}

/** The STOMP port of a node that runs the embedded broker for the other hosts. */
export const SHARED_BROKER_PORT = 61613;

/**
 * Writes the config of a node whose embedded broker serves the other hosts (every address, a
 * login from a users file of the host's own); resolves with the URL their nodes use for it.
 */
export async function writeBrokerNodeConfig(
  host: Host,
  config: HostNodeConfig & { readonly login: string; readonly passcode: string },
): Promise<string> {
  await host.writeFile(
    'broker-users.json',
    JSON.stringify({ [config.login]: config.passcode }),
    0o600,
  );
  await writeNodeConfig(host, {
    ...config,
    extra: {
      ...config.extra,
      broker: {
        embedded: {
          host: '0.0.0.0',
          port: SHARED_BROKER_PORT,
          usersFile: `${host.root}/broker-users.json`,
        },
      },
    },
  });
  return `stomp://${config.login}:${config.passcode}@${host.name}:${SHARED_BROKER_PORT}`;
}

/** An endpoint folder on `host` whose entry re-exports `fixture` of test/e2e/fixtures. */
export async function writeEndpoint(host: Host, name: string, fixture: string): Promise<void> {
  await host.writeFile(
    `endpoints/${name}/index.ts`,
    `export { default } from ${JSON.stringify(`${FIXTURES}${fixture}`)};\n`,
  );
}
