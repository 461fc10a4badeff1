/**
 * Endpoint subclasses over node-soap clients of the fixture WSDLs, written the way users will
 * write theirs over generated clients (typed client interfaces, JSON strings inside SOAP), with
 * the HTTP client generated clients use (`SoapHttpClient`).
 */
import { createClientAsync } from 'soap';
import { SoapHttpClient } from '../../../soap-client/index.js';
import {
  DoublePhaseOutboundEndpoint,
  InboundEndpoint,
  OutboundEndpoint,
  type CallContext,
  type Delivery,
  type FifoRecord,
  type InboundEndpointOptions,
  type JsonValue,
  type OutboundEndpointOptions,
} from '../../../runtime/index.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** node-soap resolves `[result, rawResponse, …]`; `result` is null for an empty response. */
type SoapCall<I, O> = (
  input: I,
  options?: { timeout?: number },
) => Promise<[O | null, ...unknown[]]>;

interface WireRecord {
  readonly id: string;
  readonly payload: string;
}

/** The typed client a generator would emit for `source.wsdl`. */
export interface SourceClient {
  PopAsync: SoapCall<{ max: number; idsOnly: boolean }, { record?: WireRecord | WireRecord[] }>;
  PoppedAsync: SoapCall<{ id: string }, { ok: boolean }>;
  PoppedManyAsync: SoapCall<{ id: readonly string[] }, { ok: boolean }>;
  BuildAsync: SoapCall<{ id: string }, { document: string }>;
}

/** The typed client for `target.wsdl`. */
export interface TargetClient {
  PutAsync: SoapCall<{ messageId: string; payload: string }, { ok: boolean }>;
  PutManyAsync: SoapCall<{ item: { messageId: string; payload: string }[] }, { ok: boolean }>;
  HasAsync: SoapCall<{ messageId: string }, { found: boolean }>;
}

export async function sourceClient(url: string): Promise<SourceClient> {
  const wsdl = new URL('source.wsdl', FIXTURES).pathname;
  return (await createClientAsync(
    wsdl,
    { httpClient: new SoapHttpClient() },
    url,
  )) as unknown as SourceClient;
}

export async function targetClient(url: string): Promise<TargetClient> {
  const wsdl = new URL('target.wsdl', FIXTURES).pathname;
  return (await createClientAsync(
    wsdl,
    { httpClient: new SoapHttpClient() },
    url,
  )) as unknown as TargetClient;
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Single phase: Pop returns whole records. */
export class SoapOutbound extends OutboundEndpoint {
  constructor(
    options: OutboundEndpointOptions,
    private readonly client: SourceClient,
  ) {
    super(options);
  }

  protected override async pop(context: CallContext): Promise<FifoRecord | undefined> {
    return (await this.popMany(1, context))[0];
  }

  protected override async popMany(limit: number, context: CallContext): Promise<FifoRecord[]> {
    const [result] = await this.client.PopAsync(
      { max: limit, idsOnly: false },
      { timeout: context.timeoutMs },
    );
    return asArray(result?.record).map((r) => ({
      id: r.id,
      payload: JSON.parse(r.payload) as JsonValue,
    }));
  }

  protected override async popped(fifoId: string, context: CallContext): Promise<void> {
    await this.client.PoppedAsync({ id: fifoId }, { timeout: context.timeoutMs });
  }
}

/** Batch mode's PoppedMany besides: one call marks a whole batch popped. */
export class SoapBatchOutbound extends SoapOutbound {
  constructor(
    options: OutboundEndpointOptions,
    private readonly batchClient: SourceClient,
  ) {
    super(options, batchClient);
  }

  protected override async poppedMany(
    fifoIds: readonly string[],
    context: CallContext,
  ): Promise<void> {
    await this.batchClient.PoppedManyAsync({ id: fifoIds }, { timeout: context.timeoutMs });
  }
}

/** Double phase: Pop returns ids only, Build makes the document; PoppedMany in batch mode. */
export class SoapDoublePhaseOutbound extends DoublePhaseOutboundEndpoint {
  constructor(
    options: OutboundEndpointOptions,
    private readonly client: SourceClient,
  ) {
    super(options);
  }

  protected override async pop(context: CallContext): Promise<string | undefined> {
    return (await this.popMany(1, context))[0];
  }

  protected override async popMany(limit: number, context: CallContext): Promise<string[]> {
    const [result] = await this.client.PopAsync(
      { max: limit, idsOnly: true },
      { timeout: context.timeoutMs },
    );
    return asArray(result?.record).map((r) => r.id);
  }

  protected override async build(fifoId: string, context: CallContext): Promise<JsonValue> {
    const [result] = await this.client.BuildAsync({ id: fifoId }, { timeout: context.timeoutMs });
    if (result === null) throw new Error(`Build ${fifoId}: empty response`);
    return JSON.parse(result.document) as JsonValue;
  }

  protected override async popped(fifoId: string, context: CallContext): Promise<void> {
    await this.client.PoppedAsync({ id: fifoId }, { timeout: context.timeoutMs });
  }

  protected override async poppedMany(
    fifoIds: readonly string[],
    context: CallContext,
  ): Promise<void> {
    await this.client.PoppedManyAsync({ id: fifoIds }, { timeout: context.timeoutMs });
  }
}

/** Puts each message into the target system. */
export class SoapInbound extends InboundEndpoint {
  constructor(
    options: InboundEndpointOptions,
    protected readonly client: TargetClient,
  ) {
    super(options);
  }

  protected override async put(delivery: Delivery<JsonValue>, context: CallContext): Promise<void> {
    await this.client.PutAsync(
      { messageId: delivery.messageId ?? '', payload: JSON.stringify(delivery.payload) },
      { timeout: context.timeoutMs },
    );
  }
}

/** With the target's lookup: a put that may have reached the target unseen is checked first. */
export class SoapLookupInbound extends SoapInbound {
  protected override async alreadyDelivered(
    messageId: string,
    context: CallContext,
  ): Promise<boolean> {
    const [answer] = await this.client.HasAsync({ messageId }, { timeout: context.timeoutMs });
    return answer?.found === true;
  }
}

/** Batch mode: PutMany takes several messages in one call. */
export class SoapBatchInbound extends SoapInbound {
  constructor(
    options: InboundEndpointOptions,
    private readonly batchClient: TargetClient,
  ) {
    super(options, batchClient);
  }

  protected override async putMany(
    deliveries: readonly Delivery<JsonValue>[],
    context: CallContext,
  ): Promise<void> {
    await this.batchClient.PutManyAsync(
      {
        item: deliveries.map((d) => ({
          messageId: d.messageId ?? '',
          payload: JSON.stringify(d.payload),
        })),
      },
      { timeout: context.timeoutMs },
    );
  }
}
