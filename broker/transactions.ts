/**
 * A connection's open STOMP transactions (BEGIN … COMMIT / ABORT): what each buffers until its
 * COMMIT hands it to the router as one store write, and the bound on its buffered bytes. A
 * transaction lives and dies with its connection.
 */
import { StompProtocolError } from './errors.js';
import { firstLine } from './handshake.js';
import type { PendingSend } from './router.js';
import type { BrokerDelivery, BrokerSubscription } from './subscription.js';

/** Deliveries of one subscription that one ACK or NACK frame covers. */
export interface CoveredDeliveries {
  readonly subscription: BrokerSubscription;
  readonly deliveries: BrokerDelivery[];
}

/** What one transaction buffers until COMMIT. */
export interface StompTransaction {
  readonly sends: PendingSend[];
  readonly acks: CoveredDeliveries[];
  readonly nacks: CoveredDeliveries[];
  /** Body bytes of the buffered SENDs. */
  bytes: number;
}

export class StompTransactions {
  readonly #open = new Map<string, StompTransaction>();

  /** `maxBytes`: body bytes one transaction may buffer (`maxTransactionBytes`). */
  constructor(private readonly maxBytes: number) {}

  /** BEGIN: refuses an id that is already open. */
  begin(txId: string): void {
    if (this.#open.has(txId)) {
      throw new StompProtocolError(`transaction '${firstLine(txId)}' is already open`);
    }
    this.#open.set(txId, { sends: [], acks: [], nacks: [], bytes: 0 });
  }

  /** The open transaction `txId`; `command` names the frame in the refusal of an unknown id. */
  get(txId: string, command: string): StompTransaction {
    const tx = this.#open.get(txId);
    if (tx === undefined) {
      throw new StompProtocolError(`${command} names unknown transaction '${firstLine(txId)}'`);
    }
    return tx;
  }

  /** Buffers a SEND; refuses one that takes the transaction over its byte bound. */
  addSend(txId: string, command: string, send: PendingSend): void {
    const tx = this.get(txId, command);
    tx.bytes += send.body.length;
    if (tx.bytes > this.maxBytes) {
      throw new StompProtocolError(
        `transaction '${firstLine(txId)}' buffers over ${this.maxBytes} bytes`,
      );
    }
    // Copied: the decoded body is a view of the socket's chunk, which must not stay pinned.
    tx.sends.push({ ...send, body: Buffer.from(send.body) });
  }

  /** COMMIT or ABORT: the transaction, no longer open. */
  end(txId: string, command: string): StompTransaction {
    const tx = this.get(txId, command);
    this.#open.delete(txId);
    return tx;
  }

  /** The connection is closing: every open transaction is dropped. */
  clear(): void {
    this.#open.clear();
  }
}
