/** The cluster listener's TLS options and addresses from a node config. */
import type { ClusterTlsOptions } from '../../cluster/index.js';
import type { NodeConfig } from '../config/config.js';

export function clusterTlsOptions(config: NodeConfig): ClusterTlsOptions | undefined {
  const tls = config.cluster.tls;
  if (tls === undefined) return undefined;
  if (tls.cert === undefined || tls.key === undefined) {
    throw new Error(
      `${config.file}: cluster.tls files were not read (load the config with loadConfig)`,
    );
  }
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
  };
}

/** A kernel address: `tcp://host:port`, or `tls://` when the cluster runs over TLS. */
export function kernelAddress(host: string, port: number, tls: boolean): string {
  return `${tls ? 'tls' : 'tcp'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
