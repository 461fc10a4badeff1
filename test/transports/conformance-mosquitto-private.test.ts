/**
 * Mosquitto again, as a broker of this test's own (password file, persistence): the cases the
 * shared, anonymous Mosquitto cannot take — bad credentials and a broker restart — run here.
 */
import {
  privateMosquittoSkipReason,
  startPrivateMosquitto,
  type PrivateMosquitto,
} from '../support/private-mosquitto.js';
import { BAD_PASSWORD, runConformance } from './conformance.js';
import { endMqttSessions } from './mqtt-sessions.js';

let broker: PrivateMosquitto | undefined;
const running = async (): Promise<PrivateMosquitto> => (broker ??= await startPrivateMosquitto());
const url = (b: PrivateMosquitto, password: string): string =>
  `mqtt://${b.user}:${password}@127.0.0.1:${b.port}?broker=mosquitto`;

runConformance(
  {
    name: 'mosquitto-private',
    capabilities: { network: true, headers: true, queueNeedsSubscriber: true },
    url: async () => url(await running(), (await running()).password),
    badCredentialsUrl: async () => url(await running(), BAD_PASSWORD),
    restart: async () => (await running()).restart(),
    cleanup: async (clientIds) => {
      const b = await running();
      await endMqttSessions(url(b, b.password), clientIds, 5);
    },
    close: async () => {
      await broker?.close();
      broker = undefined;
    },
  },
  privateMosquittoSkipReason(),
);
