/**
 * Record lineage and trace context on real endpoints (SOAP source and target on loopback, the
 * in-memory transport between): each record's steps as lineage events, a failing target's put
 * attempts and the dead letter; and, with a minimal in-memory tracer provider registered through
 * the OpenTelemetry API (no SDK package), the inbound span is a child of the outbound span, by
 * the `traceparent` header. Then the W3C header codec on its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import {
  extractSpanContext,
  injectTraceHeaders,
  TRACEPARENT_HEADER,
} from '../../runtime/endpoint/trace-context.js';
import { deliverOneDeadLetterOne } from './support/lineage-run.js';

/** A span that keeps what it is told; the in-memory exporter of this test. */
class MemorySpan implements Span {
  readonly events: string[] = [];
  status: SpanStatus | undefined;
  ended = false;
  constructor(
    readonly name: string,
    readonly context: SpanContext,
    readonly parent: SpanContext | undefined,
    readonly attributes: Attributes,
  ) {}
  spanContext(): SpanContext {
    return this.context;
  }
  setAttribute(): this {
    return this;
  }
  setAttributes(): this {
    return this;
  }
  addEvent(name: string): this {
    this.events.push(name);
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.status = status;
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {
    this.ended = true;
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(): void {}
}

const spans: MemorySpan[] = [];

const memoryTracer: Tracer = {
  startSpan(name: string, options: SpanOptions = {}, context?: Context): Span {
    const parent = context === undefined ? undefined : trace.getSpanContext(context);
    const span = new MemorySpan(
      name,
      {
        traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
        spanId: randomBytes(8).toString('hex'),
        traceFlags: TraceFlags.SAMPLED,
      },
      parent,
      options.attributes ?? {},
    );
    spans.push(span);
    return span;
  },
  startActiveSpan(): never {
    throw new Error('not used by aes');
  },
};

const provider: TracerProvider = { getTracer: () => memoryTracer };

test('lineage and spans: delivered and dead-lettered records, the inbound span a child of the outbound one', async () => {
  assert.equal(trace.setGlobalTracerProvider(provider), true);
  const events = await deliverOneDeadLetterOne();

  const of = (id: string) =>
    events
      .filter((e) => e.messageId === id)
      .map((e) =>
        [e.endpoint, e.step, e.attempt ?? '', e.outcome ?? ''].filter((x) => x !== '').join(' '),
      );
  const one = of('orders-out:1');
  // The inbound side may take the message before the outbound side hears the broker's receipt.
  assert.deepEqual(
    one.filter((s) => s.startsWith('orders-out ')),
    [
      'orders-out popped',
      'orders-out published 1',
      'orders-out confirmed',
      'orders-out marked-popped ok',
    ],
  );
  assert.deepEqual(
    one.filter((s) => s.startsWith('orders-in ')),
    ['orders-in received 1', 'orders-in put 1 ok', 'orders-in delivered'],
  );
  assert.deepEqual(
    of('orders-out:2').filter((s) => s.startsWith('orders-in ')),
    [
      'orders-in received 1',
      'orders-in put 1 failed',
      'orders-in received 2',
      'orders-in put 2 failed',
      'orders-in dead-lettered',
    ],
  );
  const popped = events.find((e) => e.messageId === 'orders-out:2' && e.step === 'popped');
  assert.equal(popped?.fifoId, '2');
  const lastPut = events.findLast((e) => e.messageId === 'orders-out:2' && e.step === 'put');
  assert.ok((lastPut?.detail ?? '').length > 0, 'a failed put says why');
  const dead = events.find((e) => e.step === 'dead-lettered');
  assert.match(dead?.detail ?? '', /^\/queue\/dead-letter\.orders-in: put failed 2 times/);

  // Spans: one producer span per record, one consumer span per delivery, children of it.
  const producer = spans.find(
    (s) => s.name === 'publish /queue/orders' && s.attributes['aes.fifo_id'] === '1',
  );
  assert.ok(producer !== undefined, spans.map((s) => s.name).join());
  assert.ok(producer.ended, 'ended once marked popped');
  assert.deepEqual(producer.events, ['confirmed']);
  const consumers = spans.filter((s) => s.name === 'process /queue/orders');
  assert.equal(consumers.length, 3, 'one per delivery: 1 once, 2 twice');
  const consumerOfOne = consumers.find(
    (s) => s.attributes['messaging.message.id'] === 'orders-out:1',
  );
  assert.equal(consumerOfOne?.parent?.spanId, producer.context.spanId);
  assert.equal(consumerOfOne?.parent?.traceId, producer.context.traceId);
  assert.equal(consumerOfOne?.parent?.isRemote, true);
  assert.ok(consumers.every((s) => s.ended));
  const lastOfTwo = consumers.findLast(
    (s) => s.attributes['messaging.message.id'] === 'orders-out:2',
  );
  assert.equal(lastOfTwo?.status?.code, 2, 'a dead-lettered delivery is an error');
  // The lineage names each record's trace.
  const inboundSteps = events.filter((e) => e.messageId === 'orders-out:1');
  assert.ok(inboundSteps.every((e) => e.traceId === producer.context.traceId));
});

test('trace context headers: W3C traceparent and tracestate, garbage ignored', () => {
  const headers: Record<string, string> = {};
  const span = memoryTracer.startSpan('x');
  injectTraceHeaders(span, headers);
  const sc = span.spanContext();
  assert.equal(headers[TRACEPARENT_HEADER], `00-${sc.traceId}-${sc.spanId}-01`);
  assert.deepEqual(
    { ...extractSpanContext({ ...headers, tracestate: 'vendor=abc' }), traceState: undefined },
    {
      traceId: sc.traceId,
      spanId: sc.spanId,
      traceFlags: 1,
      isRemote: true,
      traceState: undefined,
    },
  );
  assert.equal(
    extractSpanContext({ ...headers, tracestate: 'vendor=abc' })?.traceState?.get('vendor'),
    'abc',
  );
  for (const bad of [
    'nonsense',
    `00-${'0'.repeat(32)}-${sc.spanId}-01`,
    `00-${sc.traceId}-${'0'.repeat(16)}-01`,
    `00-${sc.traceId}-${sc.spanId}`,
  ]) {
    assert.equal(extractSpanContext({ traceparent: bad }), undefined, bad);
  }
  assert.equal(extractSpanContext({}), undefined);
});
