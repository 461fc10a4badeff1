/**
 * The embedded broker's protection in the node config: `broker.embedded.usersFile` (logins) and
 * `broker.embedded.tls` (certificate, key, optional client CA). `loadConfig` reads and checks the
 * files here, so that `aes config check` and `aes run` fail at once, naming the field and file.
 */
import { createSecureContext } from 'node:tls';
import { ConfigError } from '../errors.js';
import { readNamedFile } from './named-file.js';

export interface EmbeddedBrokerTlsConfig {
  /** Absolute paths of the PEM files. */
  readonly certFile: string;
  readonly keyFile: string;
  /** Set: clients must show a certificate signed by this CA (mutual TLS). */
  readonly clientCaFile: string | undefined;
  /** The files' contents, read by `loadConfig`. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly clientCa?: Buffer;
}

const USERS_POINTER = '/broker/embedded/usersFile';
const TLS_POINTER = '/broker/embedded/tls';

/**
 * Reads and checks a users file: a JSON object mapping each login to a non-empty passcode (the
 * format of `aes broker --users-file`). `{}` is valid: then only the node's own endpoints get in.
 */
export async function readUsersFile(
  file: string,
  path: string,
): Promise<Readonly<Record<string, string>>> {
  const fail = (message: string): ConfigError =>
    new ConfigError(file, [{ pointer: USERS_POINTER, message: `${path} ${message}` }]);
  const text = (await readNamedFile(file, USERS_POINTER, path)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw fail(`is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw fail('must hold a JSON object mapping each login to its passcode');
  }
  const users: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [login, passcode] of Object.entries(parsed)) {
    if (login === '') throw fail('names an empty login');
    if (typeof passcode !== 'string' || passcode === '') {
      throw fail(`must give login '${login}' a non-empty passcode string`);
    }
    users[login] = passcode;
  }
  return users;
}

/** Reads the TLS files and checks that the certificate, key and client CA are usable PEM. */
export async function readEmbeddedBrokerTls(
  file: string,
  tls: EmbeddedBrokerTlsConfig,
): Promise<EmbeddedBrokerTlsConfig> {
  const cert = await readNamedFile(file, `${TLS_POINTER}/cert`, tls.certFile);
  const key = await readNamedFile(file, `${TLS_POINTER}/key`, tls.keyFile);
  const clientCa =
    tls.clientCaFile === undefined
      ? undefined
      : await readNamedFile(file, `${TLS_POINTER}/clientCa`, tls.clientCaFile);
  try {
    // The same parse the broker's TLS server does: a bad file fails here, naming the field.
    createSecureContext({ cert, key, ...(clientCa === undefined ? {} : { ca: clientCa }) });
  } catch (err) {
    throw new ConfigError(file, [
      {
        pointer: TLS_POINTER,
        message: `${tls.certFile}, ${tls.keyFile}${tls.clientCaFile === undefined ? '' : `, ${tls.clientCaFile}`}: not a usable certificate, key${tls.clientCaFile === undefined ? '' : ' and CA'}: ${(err as Error).message}`,
      },
    ]);
  }
  return { ...tls, cert, key, ...(clientCa === undefined ? {} : { clientCa }) };
}
