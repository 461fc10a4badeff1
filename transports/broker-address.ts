/**
 * Where a broker URL's connection goes, for tools that need only the socket (a reachability
 * probe): host and port, the scheme's default port applied. No credentials, no options.
 */
import { DEFAULT_MQTT_PORT, DEFAULT_MQTTS_PORT } from './mqtt/mqtt-url.js';
import { DEFAULT_STOMP_PORT } from './stomp/stomp-url.js';

/** A broker's TCP address. */
export interface BrokerSocketAddress {
  /** Without the brackets of an IPv6 address. */
  readonly host: string;
  readonly port: number;
}

const DEFAULT_PORTS: ReadonlyMap<string, number> = new Map([
  ['stomp', DEFAULT_STOMP_PORT],
  ['stomp+ssl', DEFAULT_STOMP_PORT],
  ['mqtt', DEFAULT_MQTT_PORT],
  ['mqtts', DEFAULT_MQTTS_PORT],
]);

/**
 * The TCP address a broker URL of a built-in network transport connects to; `undefined` for a
 * URL that does not parse, has no host, or whose scheme opens no socket (`memory://`, a
 * transport registered by the application).
 */
export function brokerSocketAddress(url: string | URL): BrokerSocketAddress | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.toString());
  } catch {
    return undefined;
  }
  const fallback = DEFAULT_PORTS.get(parsed.protocol.replace(/:$/, ''));
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (fallback === undefined || host === '') return undefined;
  return { host, port: parsed.port === '' ? fallback : Number(parsed.port) };
}
