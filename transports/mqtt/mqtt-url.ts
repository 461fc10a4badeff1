/**
 * `mqtt://user:password@host:1883?broker=rabbitmq&clientId=ib-orders` and `mqtts://…`: one MQTT
 * broker. Query parameters choose the broker profile and override transport options.
 */
import { redactUrl } from '../redact-url.js';
import { parseBrokerUrl } from '../support/options.js';
import { readTlsFiles, TLS_FILE_PARAMS, type ClientTlsFiles } from '../support/tls-files.js';
import { TransportOptionError } from '../errors.js';
import { MQTT_BROKERS, type MqttBrokerName, type MqttBrokerProfile } from './brokers.js';

export const DEFAULT_MQTT_PORT = 1883;
export const DEFAULT_MQTTS_PORT = 8883;
export const DEFAULT_SHARE_GROUP = 'aes';

export interface MqttEndpoint {
  readonly label: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly broker: MqttBrokerProfile;
  readonly protocolVersion: 4 | 5;
  /**
   * Headers travel in an aes envelope inside the payload (see envelope.ts): on by default for
   * MQTT 3.1.1, which has no user properties.
   */
  readonly envelope: boolean;
  readonly params: ReadonlyMap<string, string>;
  /** The `ca`, `cert` and `key` files the URL names, read (TLS only). */
  readonly tlsFiles: ClientTlsFiles;
}

const KNOWN_PARAMS = new Set([
  'broker',
  'protocol',
  'clientId',
  'group',
  'sessionExpirySec',
  'heartbeatMs',
  'connectTimeoutMs',
  'publishTimeoutMs',
  'reconnectInitialMs',
  'reconnectMaxMs',
  'redeliveryDelayMs',
  'receiveMaximum',
  'rejectUnauthorized',
  ...TLS_FILE_PARAMS,
  'envelope',
]);

export function parseMqttUrl(url: URL): MqttEndpoint {
  const { scheme, user, password, params } = parseBrokerUrl(
    url,
    ['mqtt', 'mqtts'],
    'an MQTT',
    KNOWN_PARAMS,
  );
  const brokerName = params.get('broker') ?? 'generic';
  if (!Object.hasOwn(MQTT_BROKERS, brokerName)) {
    throw new TransportOptionError(
      'broker',
      `must be one of ${Object.keys(MQTT_BROKERS).join(', ')}, got '${brokerName}'`,
    );
  }
  const broker = MQTT_BROKERS[brokerName as MqttBrokerName];
  const protocol = params.get('protocol');
  if (protocol !== undefined && protocol !== '4' && protocol !== '5') {
    throw new TransportOptionError('protocol', `must be 4 (MQTT 3.1.1) or 5, got '${protocol}'`);
  }
  const protocolVersion =
    protocol === undefined ? broker.protocolVersion : (Number(protocol) as 4 | 5);
  const envelope = params.get('envelope');
  if (envelope !== undefined && envelope !== 'on' && envelope !== 'off') {
    throw new TransportOptionError('envelope', `must be 'on' or 'off', got '${envelope}'`);
  }
  if (envelope === 'on' && protocolVersion === 5) {
    throw new TransportOptionError(
      'envelope',
      'is for MQTT 3.1.1 only: MQTT 5 carries headers as user properties',
    );
  }
  const tls = scheme === 'mqtts';
  return {
    label: redactUrl(url),
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? (tls ? DEFAULT_MQTTS_PORT : DEFAULT_MQTT_PORT) : Number(url.port),
    tls,
    username: user,
    password: password,
    broker,
    protocolVersion,
    envelope: protocolVersion === 4 && envelope !== 'off',
    params,
    tlsFiles: readTlsFiles(params, tls),
  };
}
