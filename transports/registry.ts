/**
 * Transports by URL scheme; `createTransport()` picks one from a URL list. Several URLs (a
 * comma-separated string or an array) name fail-over brokers of one scheme.
 *
 * The built-in schemes are a table here, not registrations made as a side effect of importing
 * `transports/index.ts`. Their factories are light: a transport checks its URL and options at
 * once (so a wrong config fails where it is read), and loads its client library (stompit,
 * mqtt.js) on its first connection, so a command that never connects to a broker of that kind
 * never loads it. Other transports are added with `registerTransport()`.
 */
import type { Transport, TransportFactory, TransportOptions } from './transport.js';
import { TransportUrlError } from './errors.js';
import { createMemoryTransport } from './memory/memory-transport.js';
import { createMqttTransport } from './mqtt/mqtt-transport.js';
import { redactUrl } from './redact-url.js';
import { createStompTransport } from './stomp/stomp-transport.js';

export { redactUrl } from './redact-url.js';

/** The transports aes ships, by scheme. */
const BUILT_IN: ReadonlyMap<string, TransportFactory> = new Map([
  ['memory', createMemoryTransport],
  ['stomp', createStompTransport],
  ['stomp+ssl', createStompTransport],
  ['mqtt', createMqttTransport],
  ['mqtts', createMqttTransport],
]);

const factories = new Map<string, TransportFactory>(BUILT_IN);

/** Registers the factory for `scheme` (as written in URLs, without `:`), replacing any other. */
export function registerTransport(scheme: string, factory: TransportFactory): void {
  factories.set(scheme, factory);
}

export function registeredSchemes(): string[] {
  return [...factories.keys()].sort();
}

function parseUrls(input: string | readonly string[]): URL[] {
  const list = typeof input === 'string' ? input.split(',') : [...input];
  const urls = list.map((raw) => raw.trim()).filter((raw) => raw !== '');
  if (urls.length === 0) throw new TransportUrlError('TRANSPORT_BAD_URL', 'no broker URL given');
  return urls.map((raw) => {
    try {
      return new URL(raw);
    } catch {
      throw new TransportUrlError('TRANSPORT_BAD_URL', `not a URL: '${redactUrl(raw)}'`);
    }
  });
}

/** Builds a transport for `urls`; throws `TransportUrlError` naming the known schemes. */
export function createTransport(
  urls: string | readonly string[],
  options: TransportOptions = {},
): Transport {
  const parsed = parseUrls(urls);
  const scheme = (parsed[0] as URL).protocol.replace(/:$/, '');
  const family = (s: string) => s.replace(/\+ssl$|s$/, '');
  for (const url of parsed) {
    const other = url.protocol.replace(/:$/, '');
    if (family(other) !== family(scheme)) {
      throw new TransportUrlError(
        'TRANSPORT_BAD_URL',
        `broker URLs mix schemes '${scheme}' and '${other}'; one transport speaks one protocol`,
      );
    }
  }
  const factory = factories.get(scheme);
  if (factory === undefined) {
    throw new TransportUrlError(
      'TRANSPORT_NO_SCHEME',
      `no transport for scheme '${scheme}' (known: ${registeredSchemes().join(', ')})`,
    );
  }
  return factory(parsed, options);
}
