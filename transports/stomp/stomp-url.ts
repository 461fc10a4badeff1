/**
 * `stomp://login:passcode@host:61613?vhost=/&heartbeatMs=10000` and `stomp+ssl://…`: one STOMP
 * broker. Credentials are percent-decoded; query parameters override transport options.
 */
import { redactUrl } from '../redact-url.js';
import { QUEUE_ARGUMENT_PARAMS } from './queue-arguments.js';
import { parseBrokerUrl } from '../support/options.js';
import { readTlsFiles, TLS_FILE_PARAMS, type ClientTlsFiles } from '../support/tls-files.js';

export const DEFAULT_STOMP_PORT = 61613;

export interface StompEndpoint {
  /** The URL with credentials removed, for logs and events. */
  readonly label: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly login: string | undefined;
  readonly passcode: string | undefined;
  /** The CONNECT `host` header: RabbitMQ reads it as the virtual host. */
  readonly vhost: string;
  /** Query parameters naming transport options (`heartbeatMs`, …), as given. */
  readonly params: ReadonlyMap<string, string>;
  /** The `ca`, `cert` and `key` files the URL names, read (TLS only). */
  readonly tlsFiles: ClientTlsFiles;
}

const KNOWN_PARAMS = new Set([
  'vhost',
  'heartbeatMs',
  'connectTimeoutMs',
  'publishTimeoutMs',
  'reconnectInitialMs',
  'reconnectMaxMs',
  'redeliveryDelayMs',
  ...QUEUE_ARGUMENT_PARAMS,
  'rejectUnauthorized',
  ...TLS_FILE_PARAMS,
]);

export function parseStompUrl(url: URL): StompEndpoint {
  const { scheme, user, password, params } = parseBrokerUrl(
    url,
    ['stomp', 'stomp+ssl'],
    'a STOMP',
    KNOWN_PARAMS,
  );
  return {
    label: redactUrl(url),
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? DEFAULT_STOMP_PORT : Number(url.port),
    tls: scheme === 'stomp+ssl',
    login: user,
    passcode: password,
    vhost: params.get('vhost') ?? '/',
    params,
    tlsFiles: readTlsFiles(params, scheme === 'stomp+ssl'),
  };
}
