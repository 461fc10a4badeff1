/** A throwaway CA with server and client certificates, made at run time with openssl (no key is ever committed). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  readonly dir: string;
  readonly ca: Buffer;
  readonly serverKey: Buffer;
  readonly serverCert: Buffer;
  readonly clientKey: Buffer;
  readonly clientCert: Buffer;
  /**
   * A server certificate from `ca` naming only `DNS:localhost`, no IP address: like a public
   * certificate, which names a host but never 127.0.0.1.
   */
  readonly localhostKey: Buffer;
  readonly localhostCert: Buffer;
  /** A certificate from another CA, which the cluster must not trust. */
  readonly strangerKey: Buffer;
  readonly strangerCert: Buffer;
  remove(): void;
}

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'aes-test-tls-'));
  const openssl = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const ca = (name: string): void =>
    openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
    ]);
  ca('ca');
  ca('other-ca');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n');
  writeFileSync(join(dir, 'localhost.ext'), 'subjectAltName=DNS:localhost\n');
  for (const [who, issuer, ext] of [
    ['server', 'ca', 'san.ext'],
    ['client', 'ca', 'san.ext'],
    ['localhost', 'ca', 'localhost.ext'],
    ['stranger', 'other-ca', 'san.ext'],
  ] as const) {
    openssl([
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${who}.key`,
      '-out',
      `${who}.csr`,
      '-subj',
      `/CN=${who}`,
    ]);
    openssl([
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      `${issuer}.crt`,
      '-CAkey',
      `${issuer}.key`,
      '-CAcreateserial',
      '-out',
      `${who}.crt`,
      '-days',
      '1',
      '-extfile',
      ext,
    ]);
  }
  const read = (name: string): Buffer => readFileSync(join(dir, name));
  return {
    dir,
    ca: read('ca.crt'),
    serverKey: read('server.key'),
    serverCert: read('server.crt'),
    clientKey: read('client.key'),
    clientCert: read('client.crt'),
    localhostKey: read('localhost.key'),
    localhostCert: read('localhost.crt'),
    strangerKey: read('stranger.key'),
    strangerCert: read('stranger.crt'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
