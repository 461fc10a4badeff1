/**
 * The TLS files a `stomp+ssl://` or `mqtts://` URL may name: `ca` (PEM CAs that may sign the
 * broker's certificate, instead of the system's), and `cert` + `key` (a client certificate, for
 * a broker that requires mutual TLS). Read once, when the transport is created: a missing file
 * is a configuration error at start-up, not a connect error later.
 */
import { readFileSync } from 'node:fs';
import { TransportOptionError } from '../errors.js';

/** The URL parameters this file reads. */
export const TLS_FILE_PARAMS = ['ca', 'cert', 'key'] as const;

export interface ClientTlsFiles {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** Reads the files named by `ca`, `cert` and `key`; `tls` false means none may be named. */
export function readTlsFiles(params: ReadonlyMap<string, string>, tls: boolean): ClientTlsFiles {
  const named = TLS_FILE_PARAMS.filter((p) => params.get(p) !== undefined);
  if (named.length === 0) return {};
  if (!tls) {
    throw new TransportOptionError(
      named[0] ?? 'ca',
      'applies to TLS URLs only (stomp+ssl://, mqtts://)',
    );
  }
  if (params.has('cert') !== params.has('key')) {
    throw new TransportOptionError(
      params.has('cert') ? 'cert' : 'key',
      'needs cert and key together (a client certificate and its private key)',
    );
  }
  const files: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  for (const param of named) {
    const path = params.get(param) ?? '';
    try {
      files[param] = readFileSync(path);
    } catch (err) {
      throw new TransportOptionError(param, `cannot read ${path}: ${(err as Error).message}`);
    }
  }
  return files;
}
