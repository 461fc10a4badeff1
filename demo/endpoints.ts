/**
 * The demo's two endpoints, written the way a project writes its own: an outbound endpoint over
 * the source system's FIFO (Pop / Popped) and an inbound endpoint over the target system (Put),
 * each over a node-soap client of the shipped WSDL, the record travelling as a JSON string.
 * `outboundEntry` / `inboundEntry` are the factories the demo's endpoint folders export.
 */
import { createClientAsync } from 'soap';
import {
  defineEndpoint,
  InboundEndpoint,
  OutboundEndpoint,
  type CallContext,
  type Delivery,
  type EndpointFactory,
  type FifoRecord,
  type InboundEndpointOptions,
  type Destination,
  type JsonValue,
  type OutboundEndpointOptions,
} from '../runtime/index.js';
import { DEMO_SOURCE_WSDL, DEMO_TARGET_WSDL } from './assets.js';

/** node-soap resolves `[result, rawResponse, …]`; `result` is null for an empty response. */
type SoapCall<I, O> = (
  input: I,
  options?: { timeout?: number },
) => Promise<[O | null, ...unknown[]]>;

/** The source system's client (demo/wsdl/source-system.wsdl). */
export interface SourceClient {
  PopAsync: SoapCall<
    Record<string, never>,
    { status: 'OK' | 'EMPTY'; id?: string | number; payload?: string }
  >;
  PoppedAsync: SoapCall<{ id: string }, { status: 'OK' | 'EMPTY' }>;
}

/** The target system's client (demo/wsdl/target-system.wsdl). */
export interface TargetClient {
  PutAsync: SoapCall<{ messageId: string; record: string }, { stored: boolean }>;
}

/** Single phase: Pop returns the head record (id and JSON payload) until Popped names it. */
export class DemoOutbound extends OutboundEndpoint {
  constructor(
    options: OutboundEndpointOptions,
    private readonly client: SourceClient,
  ) {
    super(options);
  }

  protected override async pop(context: CallContext): Promise<FifoRecord | undefined> {
    const [result] = await this.client.PopAsync({}, { timeout: context.timeoutMs });
    if (result === null || result.status === 'EMPTY' || result.id === undefined) return undefined;
    return { id: result.id, payload: JSON.parse(result.payload ?? 'null') as JsonValue };
  }

  protected override async popped(fifoId: string, context: CallContext): Promise<void> {
    await this.client.PoppedAsync({ id: fifoId }, { timeout: context.timeoutMs });
  }
}

/** Puts each message into the target system; acknowledged only after Put succeeded. */
export class DemoInbound extends InboundEndpoint {
  constructor(
    options: InboundEndpointOptions,
    private readonly client: TargetClient,
  ) {
    super(options);
  }

  protected override async put(delivery: Delivery<JsonValue>, context: CallContext): Promise<void> {
    await this.client.PutAsync(
      { messageId: delivery.messageId ?? '', record: JSON.stringify(delivery.payload) },
      { timeout: context.timeoutMs },
    );
  }
}

export interface OutboundEntryOptions {
  /** The source system's SOAP port URL. */
  readonly sourceUrl: string;
  readonly queue: Destination;
}

export interface InboundEntryOptions {
  /** The target system's SOAP port URL. */
  readonly targetUrl: string;
  readonly queue: Destination;
}

/** Short waits: the demo's systems are on loopback and its FIFO is full from the start. */
const QUICK_RETRY = { initialMs: 20, maxMs: 500 } as const;

/** The entry-module factory of the demo's outbound endpoint. */
export function outboundEntry(options: OutboundEntryOptions): EndpointFactory {
  return defineEndpoint(async (ctx) => {
    const client = (await createClientAsync(
      DEMO_SOURCE_WSDL,
      {},
      options.sourceUrl,
    )) as unknown as SourceClient;
    ctx.log.info('demo outbound ready', { source: options.sourceUrl, queue: options.queue });
    return new DemoOutbound(
      { ...ctx.outbound(options.queue), retry: QUICK_RETRY, idlePoll: QUICK_RETRY },
      client,
    );
  });
}

/** The entry-module factory of the demo's inbound endpoint. */
export function inboundEntry(options: InboundEntryOptions): EndpointFactory {
  return defineEndpoint(async (ctx) => {
    const client = (await createClientAsync(
      DEMO_TARGET_WSDL,
      {},
      options.targetUrl,
    )) as unknown as TargetClient;
    ctx.log.info('demo inbound ready', { target: options.targetUrl, queue: options.queue });
    return new DemoInbound(
      { ...ctx.inbound(options.queue), retry: QUICK_RETRY, nackDelay: QUICK_RETRY },
      client,
    );
  });
}
