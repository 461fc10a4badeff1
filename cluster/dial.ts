/** Opens the socket behind an outgoing link: TCP, TLS (with the kernel's TLS material) or Unix. */
import { createConnection, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Address } from './address.js';
import type { ClusterTlsOptions } from './options.js';
import { ReadBuffer } from './read-buffer.js';

/**
 * The socket, the event after which the link may start its handshake, and (TCP and Unix) the
 * buffer the socket reads into, whose chunks the link takes instead of `data` events.
 */
export function dial(
  address: Address,
  tls: ClusterTlsOptions | undefined,
): { socket: Socket; connectEvent: 'connect' | 'secureConnect'; reads?: ReadBuffer } {
  if (address.kind === 'unix' || address.kind === 'tcp') {
    const reads = new ReadBuffer();
    const socket =
      address.kind === 'unix'
        ? createConnection({ path: address.path, onread: reads.option })
        : createConnection({ host: address.host, port: address.port, onread: reads.option });
    return { socket, connectEvent: 'connect', reads };
  }
  const socket = tlsConnect({
    host: address.host,
    port: address.port,
    ...(tls?.key === undefined ? {} : { key: tls.key }),
    ...(tls?.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls?.ca === undefined ? {} : { ca: tls.ca }),
    // SNI carries host names only (RFC 6066); the certificate is checked against an IP anyway.
    ...(tls?.servername !== undefined
      ? { servername: tls.servername }
      : isIP(address.host) === 0
        ? { servername: address.host }
        : {}),
    rejectUnauthorized: tls?.rejectUnauthorized ?? true,
    minVersion: 'TLSv1.2',
  });
  return { socket, connectEvent: 'secureConnect' };
}
