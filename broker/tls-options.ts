/**
 * The embedded broker's TLS settings (`stomp+ssl://`): a certificate and key to serve, and
 * optionally a CA that client certificates must be signed by (mutual TLS). PEM contents, not
 * paths: the CLI and the node read the files and name them in their errors.
 */
import { BrokerOptionsError } from './errors.js';

export interface BrokerTlsOptions {
  /** The broker's certificate chain (PEM). */
  readonly cert: string | Buffer;
  /** Its private key (PEM). */
  readonly key: string | Buffer;
  /**
   * When set, clients must present a certificate signed by one of these CAs (PEM); the TLS
   * handshake refuses the others before any STOMP frame is read.
   */
  readonly clientCa?: string | Buffer;
}

/** Validates the `tls` broker option; `undefined` when absent. */
export function parseBrokerTls(value: unknown): BrokerTlsOptions | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BrokerOptionsError('tls', 'must be an object with cert and key (PEM)');
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!['cert', 'key', 'clientCa'].includes(key)) {
      throw new BrokerOptionsError(
        `tls.${key}`,
        'is not a TLS option (known: cert, key, clientCa)',
      );
    }
  }
  const pem = (field: 'cert' | 'key' | 'clientCa'): string | Buffer | undefined => {
    const v = o[field];
    if (v === undefined) return undefined;
    if ((typeof v !== 'string' && !Buffer.isBuffer(v)) || v.length === 0) {
      throw new BrokerOptionsError(`tls.${field}`, 'must be non-empty PEM text');
    }
    return v;
  };
  const cert = pem('cert');
  const key = pem('key');
  if (cert === undefined || key === undefined) {
    throw new BrokerOptionsError('tls', 'needs both cert and key');
  }
  const clientCa = pem('clientCa');
  return clientCa === undefined ? { cert, key } : { cert, key, clientCa };
}
