import {
  InboundEndpoint,
  OutboundEndpoint,
  type CallContext,
  type Delivery,
  type FifoRecord,
  type InboundEndpointOptions,
  type OutboundEndpointOptions,
} from '../../../runtime/index.js';

/** The payload both systems agree on (a JSON value). */
interface Order {
  readonly orderNo: string;
  readonly amount: number;
}

/** The shape of a generated client for the source system's FIFO web services. */
interface OrdersFifoClient {
  PopAsync(
    input: { max: number },
    options: { timeout: number },
  ): Promise<[{ record?: { id: string; payload: string }[] } | null]>;
  PoppedAsync(input: { id: string }, options: { timeout: number }): Promise<unknown>;
}

/** Single phase: Pop returns the oldest record, Popped removes it. */
export class OrdersOut extends OutboundEndpoint<Order> {
  constructor(
    options: OutboundEndpointOptions,
    private readonly fifo: OrdersFifoClient,
  ) {
    super(options);
  }

  protected override async pop(context: CallContext): Promise<FifoRecord<Order> | undefined> {
    const [result] = await this.fifo.PopAsync({ max: 1 }, { timeout: context.timeoutMs });
    const record = result?.record?.[0];
    if (record === undefined) return undefined; // the FIFO is empty
    return { id: record.id, payload: JSON.parse(record.payload) as Order };
  }

  protected override async popped(fifoId: string, context: CallContext): Promise<void> {
    // Must accept an id already marked popped: it is called again after a restart.
    await this.fifo.PoppedAsync({ id: fifoId }, { timeout: context.timeoutMs });
  }
}

/** The shape of a generated client for the target system. */
interface OrdersTargetClient {
  PutOrderAsync(
    input: { messageId: string; order: string },
    options: { timeout: number },
  ): Promise<unknown>;
}

export class OrdersIn extends InboundEndpoint<Order> {
  constructor(
    options: InboundEndpointOptions,
    private readonly target: OrdersTargetClient,
  ) {
    super(options);
  }

  /** Checks the payload; throwing here dead-letters the message at once. */
  protected override decode(value: unknown): Order {
    const v = value as Partial<Order> | null;
    if (typeof v?.orderNo !== 'string' || typeof v.amount !== 'number') {
      throw new TypeError('not an order');
    }
    return { orderNo: v.orderNo, amount: v.amount };
  }

  protected override async put(delivery: Delivery<Order>, context: CallContext): Promise<void> {
    await this.target.PutOrderAsync(
      { messageId: delivery.messageId ?? '', order: JSON.stringify(delivery.payload) },
      { timeout: context.timeoutMs },
    );
  }
}
