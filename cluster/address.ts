/**
 * Where a kernel listens or connects: `tcp://host:port`, `tls://host:port` (IPv6 hosts in
 * brackets: `tcp://[::1]:7000`) and `unix:/path/to/socket`.
 */
import { isIP } from 'node:net';
import { UsageError } from './errors.js';

export type Address =
  | { readonly kind: 'tcp' | 'tls'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** Parses an address string; says exactly what is wrong. */
export function parseAddress(text: string): Address {
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length).replace(/^\/\/(?=\/)/, '');
    if (path.length === 0 || !path.startsWith('/')) {
      throw new UsageError(
        'BAD_ADDRESS',
        `address '${text}': a unix socket needs an absolute path`,
      );
    }
    // sockaddr_un.sun_path holds 108 bytes on Linux, including the terminating NUL.
    if (Buffer.byteLength(path) > 107) {
      throw new UsageError('BAD_ADDRESS', `address '${text}': socket path longer than 107 bytes`);
    }
    return { kind: 'unix', path };
  }
  const match = /^(tcp|tls):\/\/(\[[^\]]+\]|[^:/[\]]+):(\d{1,5})$/.exec(text);
  if (match === null) {
    throw new UsageError(
      'BAD_ADDRESS',
      `address '${text}' must look like tcp://host:port, tls://host:port or unix:/path`,
    );
  }
  const [, scheme, rawHost = '', rawPort = ''] = match;
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  if (rawHost.startsWith('[') && isIP(host) !== 6) {
    throw new UsageError('BAD_ADDRESS', `address '${text}': '${host}' is not an IPv6 address`);
  }
  const port = Number(rawPort);
  if (port > 65535) throw new UsageError('BAD_ADDRESS', `address '${text}': port above 65535`);
  return { kind: scheme === 'tls' ? 'tls' : 'tcp', host, port };
}

/** Formats an address back to its string form. */
export function formatAddress(address: Address): string {
  if (address.kind === 'unix') return `unix:${address.path}`;
  const host = isIP(address.host) === 6 ? `[${address.host}]` : address.host;
  return `${address.kind}://${host}:${address.port}`;
}
