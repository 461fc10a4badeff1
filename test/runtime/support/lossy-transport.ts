/**
 * A transport wrapper that loses confirmations: some publishes are stored by the broker but
 * reported as failed (the connection dropped before the receipt), some fail without being stored.
 * It drives the outbound endpoint into its duplicate window on purpose.
 */
import {
  TransportError,
  type Destination,
  type MessageHandler,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
  type Transport,
  type TransportListener,
  type TransportState,
  type WaitOptions,
} from '../../../transports/index.js';

export class LossyTransport implements Transport {
  readonly scheme = 'lossy';
  /** Publishes stored but reported failed. */
  storedButFailed = 0;
  /** Publishes failed and not stored. */
  failedUnstored = 0;

  constructor(
    private readonly inner: Transport,
    private readonly random: () => number,
    private readonly lostReceiptRate: number,
    private readonly failRate: number,
  ) {}

  get state(): TransportState {
    return this.inner.state;
  }

  connect(options?: WaitOptions): Promise<void> {
    return this.inner.connect(options);
  }

  async publish(
    destination: Destination,
    body: Buffer | string,
    options?: PublishOptions,
  ): Promise<void> {
    const roll = this.random();
    if (roll < this.failRate) {
      this.failedUnstored += 1;
      throw new TransportError('TRANSPORT_CONNECTION_LOST', 'lost before the broker', true);
    }
    await this.inner.publish(destination, body, options);
    if (roll < this.failRate + this.lostReceiptRate) {
      this.storedButFailed += 1;
      throw new TransportError('TRANSPORT_CONNECTION_LOST', 'receipt lost', true);
    }
  }

  subscribe(
    destination: Destination,
    handler: MessageHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription> {
    return this.inner.subscribe(destination, handler, options);
  }

  listen(listener: TransportListener): () => void {
    return this.inner.listen(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** mulberry32, seeded: a failing run can be replayed. */
export { seededRandom as seeded } from '../../support/random.js';
