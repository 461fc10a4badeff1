/**
 * The names a peer certificate vouches for: its subject's CN and its DNS subjectAltNames. With
 * TLS as the only proof, a kernel's name must be one of them (see `ClusterTlsOptions.bindNames`).
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { HandshakeError } from './errors.js';

export function certificateNames(cert: PeerCertificate | Record<string, never>): string[] {
  const names: string[] = [];
  const subject = (cert as Partial<PeerCertificate>).subject as
    Record<string, string | string[] | undefined> | undefined;
  const cn = subject?.CN;
  if (typeof cn === 'string') names.push(cn);
  else if (Array.isArray(cn)) names.push(...cn);
  const san = (cert as Partial<PeerCertificate>).subjectaltname;
  if (typeof san === 'string') {
    for (const entry of san.split(',')) {
      const trimmed = entry.trim();
      if (trimmed.startsWith('DNS:')) names.push(trimmed.slice(4));
    }
  }
  return [...new Set(names)];
}

/**
 * Whether TLS alone authenticates the peer on `socket` as `name`: false without a verified
 * certificate; with `bindNames`, an `AUTH_FAILED` error when the certificate does not carry
 * that name.
 */
export function tlsAuthenticates(
  socket: TLSSocket,
  name: string,
  bindNames: boolean,
): boolean | HandshakeError {
  if (socket.authorized !== true) return false;
  if (!bindNames) return true;
  const names = certificateNames(socket.getPeerCertificate());
  if (names.includes(name)) return true;
  return new HandshakeError(
    'AUTH_FAILED',
    `kernel '${name}' presented a certificate for ${names.length === 0 ? 'no name' : names.map((n) => `'${n}'`).join(', ')}: with TLS alone a kernel's name must be its certificate's CN or a DNS subjectAltName (or give it a secret, or set tls.bindNames: false)`,
  );
}
