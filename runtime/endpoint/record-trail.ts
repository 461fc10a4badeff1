/**
 * What an endpoint says about each record's steps: a lineage event to its listeners (the link
 * batches them to the node) and, through the OpenTelemetry API, one span per record on the
 * outbound side (popped to marked popped, its context in the message's `traceparent`) and one per
 * delivery on the inbound side (a child of the outbound span). Every method is cheap and never
 * throws: the record path must not wait for, or fail by, its own reporting.
 */
import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import type { InboundMessage } from '../../transports/index.js';
import type { Clock } from '../clock.js';
import { lineageDetail, type LineageEvent, type LineageStep } from './lineage.js';
import type { ProgressTracker } from './progress.js';
import { injectTraceHeaders, parentContextOf, tracer } from './trace-context.js';

/** Header naming the outbound endpoint's FIFO id (outbound-endpoint.ts sets it). */
const FIFO_ID_HEADER = 'aes-fifo-id';
/** Header a replay sets on a dead letter it sends back (ISO 8601). */
export const REPLAYED_AT_HEADER = 'aes-replayed-at';
/** Open spans (and delivery counts) kept at most; the oldest are ended past it. */
export const MAX_OPEN_RECORDS = 10_000;

/** A record the outbound side handles: its FIFO id and message id. */
export interface TrailRecord {
  readonly fifoId: string;
  readonly messageId: string;
}

interface Open {
  span: Span | undefined;
  /** Inbound: the delivery count of the latest delivery; outbound: publish attempts. */
  attempt: number;
  fifoId: string | undefined;
}

export class RecordTrail {
  /** By message id: what the next events of the record need. Bounded, oldest first out. */
  private readonly open = new Map<string, Open>();

  constructor(
    private readonly endpoint: string,
    private readonly progress: ProgressTracker,
    private readonly clock: Clock,
  ) {}

  /**
   * A trail for the endpoint whose tracker `progress` is: it hears the endpoint's web-service
   * calls on records (`put`, `putMany`, `popped`, `poppedMany`) from the tracker, and ends its
   * open spans when the endpoint stops.
   */
  static attach(endpoint: string, progress: ProgressTracker, clock: Clock): RecordTrail {
    const trail = new RecordTrail(endpoint, progress, clock);
    progress.listen({
      call: (e) =>
        trail.called(e.operation, e.ids, e.outcome === 'ok' ? undefined : (e.error ?? e.outcome)),
      step: (e) => {
        if (e.step === 'stopped') trail.closeAll();
      },
    });
    return trail;
  }

  /** Outbound: records taken from the FIFO (a span each starts here). */
  popped(records: readonly TrailRecord[], destination: string): void {
    for (const r of records) {
      const span = this.startSpan(`publish ${destination}`, SpanKind.PRODUCER, r.messageId, {
        'messaging.destination.name': destination,
        'aes.fifo_id': r.fifoId,
      });
      this.remember(r.messageId, { span, attempt: 0, fifoId: r.fifoId });
      this.emit('popped', r.messageId, { fifoId: r.fifoId });
    }
  }

  /** Outbound: a publish attempt begins; returns the trace headers to send with it. */
  publishing(record: TrailRecord): Record<string, string> {
    const open = this.open.get(record.messageId);
    const attempt = open === undefined ? 1 : (open.attempt += 1);
    this.emit('published', record.messageId, { fifoId: record.fifoId, attempt });
    const headers: Record<string, string> = {};
    if (open?.span !== undefined) injectTraceHeaders(open.span, headers);
    return headers;
  }

  /** Outbound: the broker's receipt for a record, or why there was none. */
  confirmed(record: TrailRecord, failure?: unknown): void {
    if (failure === undefined) {
      this.emit('confirmed', record.messageId, { fifoId: record.fifoId });
      this.open.get(record.messageId)?.span?.addEvent('confirmed');
      return;
    }
    const detail = lineageDetail(errorText(failure));
    this.emit('published', record.messageId, { fifoId: record.fifoId, outcome: 'failed', detail });
    this.open.get(record.messageId)?.span?.addEvent('publish failed', { 'aes.error': detail });
  }

  /** Inbound: a delivery arrives (and, if it was replayed from a dead-letter queue, says so). */
  received(message: InboundMessage, deliveryCount: number): void {
    const id = message.messageId;
    if (id === undefined) return;
    const fifoId = message.headers[FIFO_ID_HEADER];
    const replayedAt = Date.parse(message.headers[REPLAYED_AT_HEADER] ?? '');
    const previous = this.open.get(id);
    if (previous?.span !== undefined) endSpan(previous.span, 'redelivered');
    if (!Number.isNaN(replayedAt) && deliveryCount === 1) {
      this.emit('replayed', id, { fifoId, atMs: replayedAt, detail: message.destination });
    }
    const span = this.startSpan(
      `process ${message.destination}`,
      SpanKind.CONSUMER,
      id,
      { 'messaging.destination.name': message.destination, 'aes.delivery_count': deliveryCount },
      message.headers,
    );
    this.remember(id, { span, attempt: deliveryCount, fifoId });
    this.emit('received', id, { fifoId, attempt: deliveryCount });
  }

  /** Inbound: dropped, delivered before. */
  duplicate(id: string): void {
    this.emit('duplicate', id);
    this.close(id, undefined);
  }

  /** Inbound: accepted by the target and recorded; acked now. */
  delivered(ids: readonly string[]): void {
    for (const id of ids) {
      this.emit('delivered', id);
      this.close(id, undefined);
    }
  }

  /** Inbound: sent to the dead-letter destination (confirmed), acked now. */
  deadLettered(id: string | undefined, reason: string, destination: string): void {
    if (id === undefined) return;
    this.emit('dead-lettered', id, { detail: lineageDetail(`${destination}: ${reason}`) });
    this.close(id, `dead-lettered: ${reason}`);
  }

  /**
   * A web-service call on records ended (Endpoint.call): `put` / `putMany` are put attempts,
   * `popped` / `poppedMany` mark FIFO ids popped at the source.
   */
  called(operation: string, ids: readonly string[] | undefined, error: unknown): void {
    if (ids === undefined) return;
    const outcome = error === undefined ? 'ok' : 'failed';
    const detail = error === undefined ? undefined : lineageDetail(errorText(error));
    if (operation === 'put' || operation === 'putMany') {
      for (const id of ids) {
        const open = this.open.get(id);
        this.emit('put', id, { attempt: open?.attempt ?? 1, outcome, detail });
        open?.span?.addEvent(`put ${outcome}`, detail === undefined ? {} : { 'aes.error': detail });
      }
    } else if (operation === 'popped' || operation === 'poppedMany') {
      for (const fifoId of ids) {
        const messageId = `${this.endpoint}:${fifoId}`;
        this.emit('marked-popped', messageId, { fifoId, outcome, detail });
        if (error === undefined) this.close(messageId, undefined);
      }
    }
  }

  /** Ends every open span (the endpoint stops). */
  closeAll(): void {
    for (const id of [...this.open.keys()]) this.close(id, 'endpoint stopped');
  }

  private emit(
    step: LineageStep,
    messageId: string,
    more: {
      fifoId?: string | undefined;
      attempt?: number;
      outcome?: 'ok' | 'failed';
      detail?: string | undefined;
      atMs?: number;
    } = {},
  ): void {
    const open = this.open.get(messageId);
    const fifoId = more.fifoId ?? open?.fifoId;
    const traceId = open?.span?.spanContext().traceId;
    const event: LineageEvent = {
      endpoint: this.endpoint,
      step,
      atMs: more.atMs ?? this.clock.now(),
      messageId,
      ...(fifoId === undefined ? {} : { fifoId }),
      ...(more.attempt === undefined ? {} : { attempt: more.attempt }),
      ...(more.outcome === undefined ? {} : { outcome: more.outcome }),
      ...(more.detail === undefined ? {} : { detail: more.detail }),
      ...(traceId === undefined ? {} : { traceId }),
    };
    this.progress.lineage(event);
  }

  private startSpan(
    name: string,
    kind: SpanKind,
    messageId: string,
    attributes: Record<string, string | number>,
    headers?: Readonly<Record<string, string | undefined>>,
  ): Span | undefined {
    try {
      const span = tracer().startSpan(
        name,
        {
          kind,
          attributes: {
            'messaging.system': 'aes',
            'messaging.message.id': messageId,
            'aes.endpoint': this.endpoint,
            ...attributes,
          },
        },
        headers === undefined ? undefined : parentContextOf(headers),
      );
      // Without an SDK the span records nothing: nothing to keep.
      return span.isRecording() ? span : undefined;
    } catch {
      return undefined;
    }
  }

  private remember(id: string, open: Open): void {
    this.open.delete(id);
    this.open.set(id, open);
    while (this.open.size > MAX_OPEN_RECORDS) {
      const oldest = this.open.keys().next().value;
      if (oldest === undefined) break;
      this.close(oldest, 'no end seen');
    }
  }

  private close(id: string, error: string | undefined): void {
    const open = this.open.get(id);
    this.open.delete(id);
    if (open?.span !== undefined) endSpan(open.span, error);
  }
}

function endSpan(span: Span, error: string | undefined): void {
  try {
    if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    span.end();
  } catch {
    // A faulty SDK must not stop the endpoint.
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
