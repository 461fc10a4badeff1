/**
 * Prometheus HTTP service discovery (`http_sd_configs`): any node serves, at
 * {@link SD_PATH}, one target group per cluster member, so Prometheus pointed at one node finds
 * them all. See docs/prometheus/prometheus.yml.
 */

/** Where a node serves the discovery document. */
export const SD_PATH = '/sd/prometheus';
/** Where a node serves its metrics. */
export const METRICS_PATH = '/metrics';

export interface ClusterMember {
  /** The node's name; becomes the `node` target label. */
  readonly name: string;
  /** Its metrics URL, e.g. `http://10.0.0.5:9464/metrics`. */
  readonly metricsUrl: string;
}

/** One entry of the HTTP SD document (Prometheus' format). */
export interface TargetGroup {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

export interface ServiceDiscoveryOptions {
  /** The cluster's name, as the `cluster` label. Omitted when undefined. */
  readonly cluster?: string;
}

/**
 * The `http_sd_configs` document for `members`: one group per node, sorted by name, whose target
 * is `host:port` and whose labels carry the node's name, and the scheme and path to scrape
 * (`__scheme__`, `__metrics_path__`) when they differ from Prometheus' defaults. Throws a
 * `TypeError` naming the member whose URL is not an http(s) URL.
 */
export function serviceDiscoveryTargets(
  members: readonly ClusterMember[],
  options: ServiceDiscoveryOptions = {},
): TargetGroup[] {
  const seen = new Set<string>();
  return members
    .slice()
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .filter((m) => {
      if (seen.has(m.name)) return false;
      seen.add(m.name);
      return true;
    })
    .map((member) => {
      let url: URL;
      try {
        url = new URL(member.metricsUrl);
      } catch {
        throw new TypeError(
          `member '${member.name}': metrics URL '${member.metricsUrl}' is invalid`,
        );
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new TypeError(`member '${member.name}': metrics URL must be http or https`);
      }
      const scheme = url.protocol.slice(0, -1);
      const port = url.port !== '' ? url.port : scheme === 'https' ? '443' : '80';
      const labels: Record<string, string> = { node: member.name };
      if (options.cluster !== undefined) labels['cluster'] = options.cluster;
      if (scheme !== 'http') labels['__scheme__'] = scheme;
      if (url.pathname !== METRICS_PATH) labels['__metrics_path__'] = url.pathname;
      // `hostname` keeps an IPv6 address's brackets.
      return { targets: [`${url.hostname}:${port}`], labels };
    });
}
