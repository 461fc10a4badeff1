/**
 * What the node logs about its embedded broker's stored messages: the corrupt records the
 * broker set aside at start-up (one error each), and, while it runs, queued messages that could
 * not be read for delivery.
 */
import type { BrokerHandle } from '../../broker/index.js';
import type { Logger } from './logger.js';

/** Logs the start-up's set-aside records and listens for unreadable ones. */
export function reportEmbeddedBroker(broker: BrokerHandle, log: Logger): void {
  for (const q of broker.quarantined()) {
    log.error(
      'embedded broker: a corrupt stored record was set aside at start-up; the other messages are served',
      {
        source: q.source,
        file: q.file,
        ...(q.offset === undefined ? {} : { offset: q.offset }),
        messages: q.messages.map((m) => `${m.destination}#${m.seq}`),
        reason: q.reason,
        keptIn: q.savedAs,
      },
    );
  }
  broker.listen({
    unreadable: (e) =>
      log.error(
        'embedded broker: a queued message could not be read for delivery; it stays stored and is loaded again at the next start',
        { queue: e.destination, seq: e.seq, messageId: e.messageId, reason: e.reason },
      ),
  });
}
