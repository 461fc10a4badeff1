/**
 * What aes knows about each MQTT broker: the protocol version to speak, whether `/queue/`
 * destinations can use shared subscriptions (competing consumers), and whether a PUBACK means
 * the message is on disk. Selected with the URL parameter `broker=` (default `generic`).
 */

export type MqttBrokerName = 'mosquitto' | 'rabbitmq' | 'emqx' | 'generic';

export interface MqttBrokerProfile {
  readonly name: MqttBrokerName;
  /** 4 = MQTT 3.1.1, 5 = MQTT 5.0. */
  readonly protocolVersion: 4 | 5;
  /** `/queue/<name>` maps to `$share/<group>/<name>` (competing consumers). */
  readonly sharedSubscriptions: boolean;
  /** True: measured durable; false: measured or documented not durable; undefined: unknown. */
  readonly durableAck: boolean | undefined;
  /** Shown to the operator at start-up when `durableAck` is not true. */
  readonly warning?: string;
}

export const MQTT_BROKERS: Readonly<Record<MqttBrokerName, MqttBrokerProfile>> = {
  mosquitto: {
    name: 'mosquitto',
    protocolVersion: 5,
    sharedSubscriptions: true,
    durableAck: false,
    warning:
      'Mosquitto acknowledges QoS 1 messages before they are on disk (it saves its in-memory ' +
      'state only every autosave_interval and on clean shutdown): measured here, kill -9 lost ' +
      '200 of 200 acknowledged messages. A PUBACK from Mosquitto is not a durable confirmation; ' +
      'use RabbitMQ (STOMP or MQTT) or the embedded broker where nothing may be lost.',
  },
  rabbitmq: {
    // RabbitMQ before 3.13 speaks only MQTT 3.1.1 (it closes an MQTT 5 CONNECT); it has no
    // shared subscriptions. Each persistent session is a durable queue; kept 200 of 200 on kill -9.
    name: 'rabbitmq',
    protocolVersion: 4,
    sharedSubscriptions: false,
    durableAck: true,
  },
  emqx: {
    name: 'emqx',
    protocolVersion: 5,
    sharedSubscriptions: true,
    durableAck: undefined,
    warning:
      'EMQX keeps sessions and in-flight messages in memory unless durable sessions are ' +
      'enabled; aes has not measured its PUBACK durability. Verify it before relying on it.',
  },
  generic: {
    name: 'generic',
    protocolVersion: 4,
    sharedSubscriptions: false,
    durableAck: undefined,
    warning:
      'unknown MQTT broker (set broker=mosquitto|rabbitmq|emqx in the URL): aes cannot tell ' +
      'whether its PUBACK means the message is on disk.',
  },
};
