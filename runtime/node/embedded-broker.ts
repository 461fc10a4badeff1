/**
 * How a node runs its embedded broker from the config. With logins (`usersFile`) or TLS set, the
 * broker also gets an internal listener — plain STOMP on 127.0.0.1, accepting only a login the
 * node makes at each start — and the node's own endpoints use that one: they need no certificate
 * naming 127.0.0.1 and no client certificate, pay no TLS cost, and the login never works on the
 * listener others reach. Start-up warns when the broker is reachable beyond loopback without
 * both encryption (TLS) and authentication (logins or client certificates).
 */
import { randomBytes } from 'node:crypto';
import { startBroker, type BrokerHandle, type BrokerOptions } from '../../broker/index.js';
import { INTERNAL_LISTENER_HOST, isLoopbackHost } from '../../broker/internal.js';
import type { BrokerConfig, NodeConfig } from '../config/config.js';
import { listenAs } from './port-in-use.js';

export type EmbeddedBrokerConfig = Extract<BrokerConfig, { kind: 'embedded' }>;

/** The login of the node's own endpoints on the internal listener; its passcode is per start. */
export const NODE_BROKER_LOGIN = 'aes-node';

/** The embedded broker's own redelivery limit: out of the way of the endpoints' limits. */
export const EMBEDDED_BROKER_MAX_DELIVERIES = 1_000_000;

/** The login and passcode the node's endpoints use; made at each start, kept in memory only. */
export interface NodeBrokerLogin {
  readonly login: string;
  readonly passcode: string;
}

/** A fresh login for the internal listener when the broker is protected, else undefined. */
export function nodeBrokerLogin(broker: EmbeddedBrokerConfig): NodeBrokerLogin | undefined {
  if (broker.usersFile === undefined && broker.tls === undefined) return undefined;
  return { login: NODE_BROKER_LOGIN, passcode: randomBytes(32).toString('base64url') };
}

/** Starts the node's embedded broker; a port in use fails naming `broker.embedded.port`. */
export function startEmbeddedBroker(
  config: NodeConfig,
  broker: EmbeddedBrokerConfig,
  own: NodeBrokerLogin | undefined,
): Promise<BrokerHandle> {
  return listenAs('broker.embedded.port', broker.host, broker.port, () =>
    startBroker(embeddedBrokerOptions(config, broker, own)),
  );
}

/** `startBroker`'s options for the config; throws when `loadConfig` did not read the files. */
export function embeddedBrokerOptions(
  config: NodeConfig,
  broker: EmbeddedBrokerConfig,
  own: NodeBrokerLogin | undefined,
): BrokerOptions {
  const notRead = (what: string) =>
    new Error(`${config.file}: ${what} was not read (load the config with loadConfig)`);
  let users: Readonly<Record<string, string>> | undefined;
  if (broker.usersFile !== undefined) {
    users = broker.users;
    if (users === undefined) throw notRead('broker.embedded.usersFile');
  }
  const tls = broker.tls;
  if (tls !== undefined && (tls.cert === undefined || tls.key === undefined)) {
    throw notRead('broker.embedded.tls');
  }
  return {
    dataDir: broker.dataDir,
    host: broker.host,
    port: broker.port,
    // Endpoints dead-letter after their own maxDeliveries, with the reason; the broker must
    // not do it first under its smaller default.
    maxDeliveries: EMBEDDED_BROKER_MAX_DELIVERIES,
    ...(broker.heapHeadroomMb === undefined ? {} : { heapHeadroomMb: broker.heapHeadroomMb }),
    ...(broker.memoryBudgetMb === undefined ? {} : { memoryBudgetMb: broker.memoryBudgetMb }),
    ...(users === undefined ? {} : { users }),
    ...(tls?.cert === undefined || tls.key === undefined
      ? {}
      : {
          tls: {
            cert: tls.cert,
            key: tls.key,
            ...(tls.clientCa === undefined ? {} : { clientCa: tls.clientCa }),
          },
        }),
    ...(own === undefined ? {} : { internal: { users: { [own.login]: own.passcode } } }),
  };
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** `off`, `on` or `mutual` (client certificates required), for the start-up log line. */
export function tlsMode(broker: EmbeddedBrokerConfig): 'off' | 'on' | 'mutual' {
  if (broker.tls === undefined) return 'off';
  return broker.tls.clientCaFile === undefined ? 'on' : 'mutual';
}

/** The broker's URL as others reach it, without credentials (for logs, `AesNode.brokers`). */
export function publicBrokerUrl(broker: EmbeddedBrokerConfig, handle: BrokerHandle): string {
  const host = broker.host === '0.0.0.0' ? '127.0.0.1' : broker.host;
  return `${broker.tls === undefined ? 'stomp' : 'stomp+ssl'}://${hostPort(host, handle.port)}`;
}

/** The internal listener's URL without credentials (for the log), or undefined. */
export function internalBrokerUrl(handle: BrokerHandle): string | undefined {
  return handle.internalPort === undefined
    ? undefined
    : `stomp://${hostPort(INTERNAL_LISTENER_HOST, handle.internalPort)}`;
}

/** The URL the node hands its endpoints over their link: with the node's login when it has one. */
export function endpointBrokerUrl(
  broker: EmbeddedBrokerConfig,
  handle: BrokerHandle,
  own: NodeBrokerLogin | undefined,
): string {
  const internal = internalBrokerUrl(handle);
  if (own === undefined || internal === undefined) return publicBrokerUrl(broker, handle);
  const url = new URL(internal);
  url.username = encodeURIComponent(own.login);
  url.password = encodeURIComponent(own.passcode);
  return url.toString().replace(/\/$/, '');
}

/**
 * The start-up warning for a broker reachable beyond loopback without encryption or without
 * authentication (logins or client certificates); undefined when there is nothing to warn about.
 */
export function exposureWarning(broker: EmbeddedBrokerConfig): string | undefined {
  if (isLoopbackHost(broker.host)) return undefined;
  const at = `embedded broker bound to ${broker.host}`;
  const logins = broker.usersFile !== undefined;
  const clientCerts = broker.tls?.clientCa !== undefined;
  if (broker.tls === undefined && !logins) {
    return `${at}: it takes no logins and no TLS, so anyone who reaches that address can read and write every queue; bind it to loopback, or set broker.embedded.usersFile and broker.embedded.tls`;
  }
  if (broker.tls === undefined) {
    return `${at} without TLS: logins and messages cross the network in clear text; set broker.embedded.tls`;
  }
  if (!logins && !clientCerts) {
    return `${at} without logins: TLS encrypts but anyone who reaches that address can read and write every queue; set broker.embedded.usersFile or broker.embedded.tls.clientCa`;
  }
  return undefined;
}
