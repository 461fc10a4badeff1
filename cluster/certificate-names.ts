/**
 * The names a peer certificate vouches for: its subject's CN and its DNS subjectAltNames. With
 * TLS as the only proof, a kernel's name must be one of them (see `ClusterTlsOptions.bindNames`).
 */
import type { PeerCertificate } from 'node:tls';

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
