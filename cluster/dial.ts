/** Opens the socket behind an outgoing link: TCP, TLS (with the kernel's TLS material) or Unix. */
import { createConnection, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Address } from './address.js';
import type { ClusterTlsOptions } from './options.js';

/** The socket, and the event after which the link may start its handshake. */
export function dial(
  address: Address,
  tls: ClusterTlsOptions | undefined,
): { socket: Socket; connectEvent: 'connect' | 'secureConnect' } {
  if (address.kind === 'unix')
    return { socket: createConnection(address.path), connectEvent: 'connect' };
  if (address.kind === 'tcp') {
    return {
      socket: createConnection({ host: address.host, port: address.port }),
      connectEvent: 'connect',
    };
  }
  const socket = tlsConnect({
    host: address.host,
    port: address.port,
    ...(tls?.key === undefined ? {} : { key: tls.key }),
    ...(tls?.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls?.ca === undefined ? {} : { ca: tls.ca }),
    servername: tls?.servername ?? address.host,
    rejectUnauthorized: tls?.rejectUnauthorized ?? true,
    minVersion: 'TLSv1.2',
  });
  return { socket, connectEvent: 'secureConnect' };
}
