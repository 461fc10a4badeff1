import { serviceSkipReason } from '../support/services.js';
import { BAD_PASSWORD, runConformance } from './conformance.js';

const HOST = '127.0.0.1';
const PORT = 61613;
// x-expires: RabbitMQ deletes the run's queues two minutes after their last use.
const PARAMS = 'queueExpiresMs=120000';

runConformance(
  {
    name: 'rabbitmq-stomp',
    capabilities: { network: true, headers: true, queueNeedsSubscriber: false },
    url: () => Promise.resolve(`stomp://guest:guest@${HOST}:${PORT}?${PARAMS}`),
    badCredentialsUrl: () =>
      Promise.resolve(`stomp://guest:${BAD_PASSWORD}@${HOST}:${PORT}?${PARAMS}`),
  },
  await serviceSkipReason('RabbitMQ STOMP plugin', HOST, PORT),
);
