/**
 * What the node logs and shows about its embedded broker's stored messages: the corrupt records
 * the broker set aside at start-up (one error each), and, while it runs, queued messages that
 * could not be read for delivery and a store that cannot write (a full disk).
 */
import type { BrokerHandle, QuarantinedRecord } from '../../broker/index.js';
import type { Logger } from './logger.js';

/** What `aes status` shows of the node's embedded broker's store, where there is something. */
export function embeddedBrokerStatus(broker: BrokerHandle | undefined): {
  quarantined?: readonly QuarantinedRecord[];
  storeFailure?: { readonly message: string; readonly since: string };
} {
  const quarantined = broker?.quarantined() ?? [];
  const failure = broker?.storeFailure();
  return {
    ...(quarantined.length === 0 ? {} : { quarantined }),
    ...(failure === undefined
      ? {}
      : {
          storeFailure: {
            message: failure.message,
            since: new Date(failure.sinceMs).toISOString(),
          },
        }),
  };
}

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
    storeHealth: (failure) => {
      if (failure === undefined)
        log.info('embedded broker: its store writes again; SENDs are taken');
      else {
        log.error(
          `embedded broker: its store cannot write: ${failure.message}; SENDs are refused until it can (nothing receipted is lost)`,
          { code: failure.code },
        );
      }
    },
    unreadable: (e) => {
      const at = { queue: e.destination, seq: e.seq, reason: e.reason };
      if (e.setAside !== undefined) {
        log.error(
          'embedded broker: a corrupt stored record was set aside at delivery; the other messages are served',
          { ...at, file: e.setAside.file, keptIn: e.setAside.savedAs },
        );
      } else {
        log.error(
          'embedded broker: a queued message could not be read for delivery; it stays stored and is loaded again at the next start',
          { ...at, ...(e.messageId === undefined ? {} : { messageId: e.messageId }) },
        );
      }
    },
  });
}
