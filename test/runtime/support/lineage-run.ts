/**
 * Two records through real endpoints (SOAP source and target on loopback, the in-memory transport
 * between), for the lineage and trace-context tests: record 1 is delivered, record 2 refused by
 * the target until it is dead-lettered (maxDeliveries 2). Resolves with every lineage event once
 * both have ended, the endpoints and systems closed.
 */
import { join } from 'node:path';
import type { LineageEvent } from '../../../runtime/index.js';
import { makeRecords, SourceSystem, TargetSystem } from './soap-systems.js';
import { SoapInbound, SoapOutbound, sourceClient, targetClient } from './soap-endpoints.js';
import { memoryTransport, tempDir, waitFor } from './helpers.js';

export async function deliverOneDeadLetterOne(): Promise<LineageEvent[]> {
  await using dir = await tempDir();
  const source = await SourceSystem.start(makeRecords(2));
  const target = await TargetSystem.start({ alwaysFail: new Set(['orders-out:2']) });
  const transport = await memoryTransport();
  const events: LineageEvent[] = [];
  const fast = { retry: { initialMs: 5, maxMs: 50 }, callTimeoutMs: 5_000 };
  const outbound = new SoapOutbound(
    {
      ...fast,
      name: 'orders-out',
      transport,
      dataDir: join(dir.path, 'out'),
      destination: '/queue/orders',
      idlePoll: { initialMs: 5, maxMs: 50 },
      listener: { lineage: (e) => events.push(e) },
    },
    await sourceClient(source.url),
  );
  const inbound = new SoapInbound(
    {
      ...fast,
      name: 'orders-in',
      transport,
      dataDir: join(dir.path, 'in'),
      source: '/queue/orders',
      maxDeliveries: 2,
      nackDelay: { initialMs: 1, maxMs: 5 },
      listener: { lineage: (e) => events.push(e) },
    },
    await targetClient(target.url),
  );
  const ended = (id: string, step: string) =>
    events.some((e) => e.messageId === id && e.step === step);
  try {
    await inbound.start();
    await outbound.start();
    await waitFor(
      'record 1 delivered and marked popped',
      () => ended('orders-out:1', 'delivered') && ended('orders-out:1', 'marked-popped'),
    );
    await waitFor('record 2 dead-lettered', () => ended('orders-out:2', 'dead-lettered'));
  } finally {
    await outbound.stop();
    await inbound.stop();
    await transport.close();
    await source.close();
    await target.close();
  }
  return events;
}
