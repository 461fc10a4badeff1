import { createClientAsync } from 'soap';
import { defineEndpoint } from '../../../runtime/index.js';
import { OrdersOut } from './doc-example.js';

type FifoClient = ConstructorParameters<typeof OrdersOut>[1];

/** endpoints/orders-out/index.ts: builds the endpoint from what its node provides. */
export default defineEndpoint(async (context) => {
  const url = process.env.ORDERS_FIFO_URL; // the node's environment reaches its endpoints
  const wsdl = new URL('./orders-fifo.wsdl', import.meta.url).pathname;
  const fifo = (await createClientAsync(wsdl, {}, url)) as unknown as FifoClient;
  context.log.info('source system', { url });
  // name, transport, dataDir, timeouts, batchSize and idlePoll come from the node and its config.
  return new OrdersOut(context.outbound('/queue/orders'), fifo);
});
