/**
 * Outside clients of a broker under test: transports made through `clientsClosedAfter()` are all
 * closed after the file's tests, and `roundTrip` proves one can store and receive.
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { createTransport, type InboundMessage, type Transport } from '../../transports/index.js';
import { pollUntil } from './wait.js';

/** A factory of client transports (quiet, quick to give up), closed after the file's tests. */
export function clientsClosedAfter(connectTimeoutMs = 3000): (url: string) => Transport {
  const open: Transport[] = [];
  after(async () => {
    await Promise.allSettled(open.map((t) => t.close()));
  });
  return (url) => {
    const t = createTransport(url, { connectTimeoutMs, reconnectMaxMs: 200 });
    t.listen({ warning: () => undefined });
    open.push(t);
    return t;
  };
}

/** Publishes `body` to `queue` through `t` and reads it back with a subscription of `t`. */
export async function roundTrip(
  t: Transport,
  queue: `/queue/${string}`,
  body = 'round trip',
): Promise<void> {
  const seen: InboundMessage[] = [];
  await t.subscribe(queue, (m) => {
    seen.push(m);
    return Promise.resolve();
  });
  await t.publish(queue, body);
  await pollUntil(`the message on ${queue}`, () => seen.length === 1, 10_000);
  assert.equal(seen[0]?.body.toString(), body);
}
