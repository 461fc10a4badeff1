/**
 * The RabbitMQ queue arguments a STOMP transport sends on the frames that declare its `/queue/`
 * queues (SEND and SUBSCRIBE: RabbitMQ's STOMP plugin declares a queue on either, and every
 * declaration of a queue must carry the same arguments, or RabbitMQ answers
 * `PRECONDITION_FAILED`). Read from the transport URL:
 *
 * - `queueExpiresMs` → `x-expires`
 * - `queueType` (`classic` | `quorum`) → `x-queue-type`; a quorum queue must be durable and not
 *   auto-delete, so SUBSCRIBE then says `durable:true` and `auto-delete:false` explicitly
 *   (RabbitMQ's defaults for `/queue/` destinations, which a SUBSCRIBE header could change)
 * - `deadLetterExchange` → `x-dead-letter-exchange` (`''`: the default exchange)
 * - `deadLetterRoutingKey` → `x-dead-letter-routing-key` (needs `deadLetterExchange`)
 *
 * The plugin passes only these (and `x-max-length`, `x-max-length-bytes`, `x-max-priority`,
 * `x-message-ttl`) to the queue declaration; a quorum queue's delivery limit and dead-letter
 * strategy (`x-delivery-limit`, `x-dead-letter-strategy`) are set by a RabbitMQ policy
 * (`delivery-limit`, `dead-letter-strategy`): see docs/transports.md.
 */
import { TransportOptionError } from '../errors.js';
import { numberParam } from '../support/options.js';

/** The URL parameters read here. */
export const QUEUE_ARGUMENT_PARAMS = [
  'queueExpiresMs',
  'queueType',
  'deadLetterExchange',
  'deadLetterRoutingKey',
] as const;

export type RabbitQueueType = 'classic' | 'quorum';
const QUEUE_TYPES: readonly RabbitQueueType[] = ['classic', 'quorum'];

/** What the declaring frames carry; empty when the URL sets none of the parameters. */
export interface QueueDeclaration {
  /** Queue arguments, on SEND and SUBSCRIBE. */
  readonly arguments: Readonly<Record<string, string>>;
  /** Queue properties, on SUBSCRIBE only (on a SEND RabbitMQ would keep them as message headers). */
  readonly subscribeProperties: Readonly<Record<string, string>>;
}

/** Reads the queue parameters; throws `TransportOptionError` naming a bad one. */
export function parseQueueDeclaration(params: ReadonlyMap<string, string>): QueueDeclaration {
  const args: Record<string, string> = {};
  const props: Record<string, string> = {};
  const expiresMs = numberParam(params, 'queueExpiresMs', 0);
  if (expiresMs > 0) args['x-expires'] = String(expiresMs);
  const type = params.get('queueType');
  if (type !== undefined) {
    if (!(QUEUE_TYPES as readonly string[]).includes(type)) {
      throw new TransportOptionError(
        'queueType',
        `must be one of ${QUEUE_TYPES.join(', ')}, got '${type}'`,
      );
    }
    args['x-queue-type'] = type;
    if (type === 'quorum') {
      props.durable = 'true';
      props['auto-delete'] = 'false';
    }
  }
  const exchange = params.get('deadLetterExchange');
  const routingKey = params.get('deadLetterRoutingKey');
  for (const [name, value] of [
    ['deadLetterExchange', exchange],
    ['deadLetterRoutingKey', routingKey],
  ] as const) {
    // A header value cannot hold a line break; RabbitMQ limits names to 255 bytes.
    if (value !== undefined && (/[\r\n\0]/.test(value) || Buffer.byteLength(value) > 255)) {
      throw new TransportOptionError(name, 'must be at most 255 bytes without line breaks or NUL');
    }
  }
  if (routingKey !== undefined && exchange === undefined) {
    throw new TransportOptionError(
      'deadLetterRoutingKey',
      "needs deadLetterExchange (use deadLetterExchange= for RabbitMQ's default exchange)",
    );
  }
  if (exchange !== undefined) args['x-dead-letter-exchange'] = exchange;
  if (routingKey !== undefined) args['x-dead-letter-routing-key'] = routingKey;
  return { arguments: args, subscribeProperties: props };
}
