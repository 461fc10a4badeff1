import { serviceSkipReason } from '../support/services.js';
import { runConformance } from './conformance.js';
import { endMqttSessions } from './mqtt-sessions.js';

const HOST = '127.0.0.1';
const PORT = 1883;
const URL_ = `mqtt://${HOST}:${PORT}?broker=mosquitto`;

runConformance(
  {
    name: 'mosquitto',
    capabilities: {
      network: true,
      noAuthReason:
        'declared: the Mosquitto here allows anonymous clients, so there is no password to get wrong',
      headers: true,
      queueNeedsSubscriber: true,
    },
    url: () => Promise.resolve(URL_),
    cleanup: (clientIds) => endMqttSessions(URL_, clientIds, 5),
  },
  await serviceSkipReason('Mosquitto', HOST, PORT),
);
