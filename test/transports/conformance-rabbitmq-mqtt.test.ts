import { serviceSkipReason } from '../support/services.js';
import { BAD_PASSWORD, runConformance } from './conformance.js';
import { endMqttSessions } from './mqtt-sessions.js';

const HOST = '127.0.0.1';
const PORT = 1884;
const URL_ = `mqtt://guest:guest@${HOST}:${PORT}?broker=rabbitmq`;

runConformance(
  {
    name: 'rabbitmq-mqtt',
    capabilities: {
      network: true,
      // RabbitMQ 3.x speaks MQTT 3.1.1 only: no user properties (the headers travel in the aes
      // envelope), no shared subscriptions.
      headers: true,
      noCompetingConsumersReason:
        'declared: RabbitMQ MQTT (3.x) has no shared subscriptions; each client id is its own durable queue',
      queueNeedsSubscriber: true,
    },
    url: () => Promise.resolve(URL_),
    badCredentialsUrl: () => Promise.resolve(URL_.replace('guest:guest', `guest:${BAD_PASSWORD}`)),
    cleanup: (clientIds) => endMqttSessions(URL_, clientIds, 4),
  },
  await serviceSkipReason('RabbitMQ MQTT plugin', HOST, PORT),
);
