/**
 * The conformance suite against aes's own embedded STOMP broker, which this target owns: it
 * starts it on a free port with credentials, and restarts it on the same port and data
 * directory for the suite's broker-restart case.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type BrokerHandle } from '../../broker/index.js';
import { BAD_PASSWORD, runConformance } from './conformance.js';

const USER = 'aes';
const PASSWORD = 'conformance-secret';

let broker: BrokerHandle | undefined;
let dataDir: string | undefined;
let port = 0;

async function start(): Promise<BrokerHandle> {
  dataDir ??= await mkdtemp(join(tmpdir(), 'aes-conformance-broker-'));
  // Fast broker heart-beats let the suite detect a broker gone silent within its deadline.
  broker = await startBroker({ dataDir, port, users: { [USER]: PASSWORD }, heartbeatSendMs: 500 });
  port = broker.port;
  return broker;
}

runConformance(
  {
    name: 'embedded-stomp',
    capabilities: { network: true, headers: true, queueNeedsSubscriber: false },
    url: async () => {
      const running = broker ?? (await start());
      return `stomp://${USER}:${PASSWORD}@127.0.0.1:${running.port}`;
    },
    badCredentialsUrl: async () => {
      const running = broker ?? (await start());
      return `stomp://${USER}:${BAD_PASSWORD}@127.0.0.1:${running.port}`;
    },
    restart: async () => {
      await broker?.close();
      broker = undefined;
      await start();
    },
    close: async () => {
      await broker?.close();
      broker = undefined;
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    },
  },
  undefined,
);
