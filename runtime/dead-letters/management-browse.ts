/**
 * Reading dead-letter queues through RabbitMQ's management API instead of a STOMP subscription:
 * each queue's messages are got and given back at once (`ack_requeue_true`), so nothing is held
 * while the command runs, and the read ends when the queue does, with no quiet period to wait.
 *
 * What a read costs a message: RabbitMQ marks it redelivered. A quorum queue counts the return as
 * a delivery (`x-delivery-count`) before RabbitMQ 4.3, which made a `basic.nack` with requeue
 * (what `ack_requeue_true` sends) stop counting; `reject_requeue_true` counts on every version,
 * so it is not used. A STOMP browse gives messages back by closing its connection, which counts
 * on every version. docs/operations.md, "Dead letters on RabbitMQ", says what follows for a
 * delivery limit.
 */
import type { Destination, InboundMessage } from '../../transports/index.js';
import { MESSAGE_ID_HEADER } from '../../transports/index.js';
import { MAX_BROWSE_MESSAGES } from './browse.js';
import { readDeadLetter, type DeadLetter } from './dead-letter-message.js';
import type { ManagementApi, ManagementMessage } from './management-api.js';

export interface ManagementBrowseResult {
  readonly letters: readonly DeadLetter[];
  /** Queues that held more than {@link MAX_BROWSE_MESSAGES}: only that many were read. */
  readonly truncated: readonly Destination[];
}

/** Reads every message of `queues` (all `/queue/…`) through `api`, by `deadlineMs`. */
export async function browseWithManagement(
  api: ManagementApi,
  queues: readonly Destination[],
  deadlineMs: number,
): Promise<ManagementBrowseResult> {
  const letters: DeadLetter[] = [];
  const truncated: Destination[] = [];
  for (const queue of queues) {
    const name = queue.slice('/queue/'.length);
    // One more than is kept tells a queue that holds more apart from one that holds exactly that.
    const got = await api.getMessages(name, MAX_BROWSE_MESSAGES + 1, {
      timeoutMs: Math.max(1, deadlineMs - Date.now()),
    });
    // A queue that does not exist has no dead letters (a STOMP browse would declare it).
    if (got === undefined) continue;
    if (got.length > MAX_BROWSE_MESSAGES) truncated.push(queue);
    for (const m of got.slice(0, MAX_BROWSE_MESSAGES)) {
      letters.push(readDeadLetter(queue, asInbound(queue, m)));
    }
  }
  return { letters, truncated };
}

/**
 * AMQP properties under the names RabbitMQ's STOMP plugin gives them on a MESSAGE frame, so that
 * a dead letter reads the same either way.
 */
const PROPERTY_HEADERS: readonly (readonly [string, string])[] = [
  ['content_type', 'content-type'],
  ['content_encoding', 'content-encoding'],
  ['priority', 'priority'],
  ['correlation_id', 'correlation-id'],
  ['reply_to', 'reply-to'],
  ['expiration', 'expiration'],
  ['message_id', 'amqp-message-id'],
  ['timestamp', 'timestamp'],
  ['type', 'type'],
  ['user_id', 'user-id'],
  ['app_id', 'app-id'],
];

/** A message the API answered, as the STOMP transport would have delivered it from `queue`. */
export function asInbound(queue: Destination, message: ManagementMessage): InboundMessage {
  const headers: Record<string, string> = {};
  const table = message.properties.headers;
  if (typeof table === 'object' && table !== null) {
    for (const [name, value] of Object.entries(table)) {
      // Tables and arrays (RabbitMQ's `x-death`) have no STOMP header form; the plugin
      // leaves them out too.
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        headers[name] = String(value);
      }
    }
  }
  for (const [property, header] of PROPERTY_HEADERS) {
    const value = message.properties[property];
    if (typeof value === 'string' || typeof value === 'number') headers[header] = String(value);
  }
  if (message.properties.delivery_mode === 2) headers.persistent = 'true';
  headers.destination = queue;
  headers.redelivered = String(message.redelivered);
  const count = Number(headers['x-delivery-count']);
  const deliveryCount = Number.isInteger(count) ? count + 1 : 1;
  return {
    destination: queue,
    body: message.payload,
    headers,
    messageId: headers[MESSAGE_ID_HEADER] ?? headers['amqp-message-id'],
    deliveryCount,
    redelivered: message.redelivered,
  };
}
