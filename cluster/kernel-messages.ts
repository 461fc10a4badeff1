/**
 * Where a ready link's messages go inside the kernel: posts, calls and subscriptions of our
 * sessions to the dispatcher, answers to our subscriptions to the subscriptions, PEERS to the
 * membership, ERROR to the monitors, BYE to the peer table. (Heartbeats, pings and call answers
 * never leave the link.)
 */
import { ClusterError } from './errors.js';
import type { Dispatcher } from './dispatch.js';
import type { ErrorReporter } from './error-reporter.js';
import type { Link } from './link.js';
import type { Message } from './messages.js';
import type { PeerTable } from './peer-table.js';
import type { Subscriptions } from './subscriptions.js';

/** The kernel's parts a message may be for. */
export interface MessageRoutes {
  readonly dispatch: Dispatcher;
  readonly subscriptions: Subscriptions;
  readonly errors: ErrorReporter;
  readonly peers: PeerTable;
  /** A peer told of kernel `name` (PEERS). */
  learn(name: string, addresses: readonly string[]): void;
}

export function routeMessage(routes: MessageRoutes, link: Link, message: Message): void {
  switch (message.kind) {
    case 'post':
    case 'call':
      routes.dispatch.remote(link, message);
      return;
    case 'subscribe':
      routes.dispatch.subscribe(link, message);
      return;
    case 'unsubscribe':
      routes.dispatch.unsubscribe(link, message);
      return;
    case 'subscribed':
      routes.subscriptions.onSubscribed(link, message);
      return;
    case 'retracted':
      routes.subscriptions.onRetracted(link, message);
      return;
    case 'peers':
      for (const p of message.peers) routes.learn(p.name, p.addresses);
      return;
    case 'error':
      routes.errors.report({
        link,
        side: 'remote',
        op: message.op,
        error: new ClusterError(message.code, `'${link.peerName}' reports: ${message.message}`),
        ref: message.ref ?? undefined,
      });
      return;
    case 'bye':
      routes.peers.markLeaving(link);
      return;
    default:
      return;
  }
}
