/**
 * Record spans with the real OpenTelemetry SDK (`@opentelemetry/sdk-trace-base`, its
 * `BasicTracerProvider` and `InMemorySpanExporter`), registered as a user would register one, on
 * real endpoints (SOAP source and target on loopback, the in-memory transport between): the
 * outbound side's producer span and the inbound side's consumer span are exported, linked across
 * the broker by the `traceparent` header only (one trace, the consumer's parent is the producer,
 * remote), with their events and status. No context manager is registered, and none is needed:
 * aes passes parent contexts explicitly and never makes a span active. Then our header codec
 * against the SDK's own W3C propagator, both ways.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  extractSpanContext,
  injectTraceHeaders,
  TRACEPARENT_HEADER,
  TRACER_NAME,
} from '../../runtime/endpoint/trace-context.js';
import { deliverOneDeadLetterOne } from './support/lineage-run.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

test('with the OpenTelemetry SDK: a record’s producer and consumer spans exported, linked by traceparent', async () => {
  assert.equal(trace.setGlobalTracerProvider(provider), true);
  assert.equal(context.active(), ROOT_CONTEXT, 'no context manager registered');
  const events = await deliverOneDeadLetterOne();
  await provider.forceFlush();

  const spans = exporter.getFinishedSpans();
  const of = (id: string, kind: SpanKind) =>
    spans.filter(
      (s) => s.attributes['messaging.message.id'] === id && Number(s.kind) === Number(kind),
    );
  const [producer, ...moreProducers] = of('orders-out:1', SpanKind.PRODUCER);
  assert.ok(producer !== undefined, spans.map((s) => s.name).join(', '));
  assert.deepEqual(moreProducers, [], 'one producer span per record');
  assert.equal(producer.name, 'publish /queue/orders');
  assert.equal(producer.instrumentationScope.name, TRACER_NAME);
  assert.equal(producer.parentSpanContext, undefined, 'a root: the record starts here');
  assert.equal(producer.attributes['aes.fifo_id'], '1');
  assert.equal(producer.attributes['aes.endpoint'], 'orders-out');
  assert.deepEqual(
    producer.events.map((e) => e.name),
    ['confirmed'],
  );

  const [consumer, ...moreConsumers] = of('orders-out:1', SpanKind.CONSUMER);
  assert.ok(consumer !== undefined);
  assert.deepEqual(moreConsumers, [], 'record 1 was delivered once');
  assert.equal(consumer.name, 'process /queue/orders');
  assert.equal(consumer.attributes['aes.endpoint'], 'orders-in');
  // Linked across the broker by the header alone: same trace, the producer as remote parent.
  assert.equal(consumer.spanContext().traceId, producer.spanContext().traceId);
  assert.equal(consumer.parentSpanContext?.spanId, producer.spanContext().spanId);
  assert.equal(consumer.parentSpanContext?.isRemote, true);
  assert.equal(
    consumer.spanContext().traceFlags,
    producer.spanContext().traceFlags,
    'sampled as its parent was',
  );
  assert.deepEqual(
    consumer.events.map((e) => e.name),
    ['put ok'],
  );
  assert.notEqual(consumer.status.code, SpanStatusCode.ERROR);

  // Record 2: delivered twice, refused both times, dead-lettered: the last delivery's span is an
  // error, both children of record 2's producer span.
  const [producerOfTwo] = of('orders-out:2', SpanKind.PRODUCER);
  const consumersOfTwo = of('orders-out:2', SpanKind.CONSUMER);
  assert.equal(consumersOfTwo.length, 2);
  for (const s of consumersOfTwo) {
    assert.equal(s.parentSpanContext?.spanId, producerOfTwo?.spanContext().spanId);
  }
  const last = consumersOfTwo.at(-1);
  assert.equal(last?.status.code, SpanStatusCode.ERROR);
  assert.match(last?.status.message ?? '', /dead-lettered/);

  // The lineage names the trace each step belongs to.
  assert.ok(
    events
      .filter((e) => e.messageId === 'orders-out:1')
      .every((e) => e.traceId === producer.spanContext().traceId),
  );
});

test('our traceparent codec and the SDK’s W3C propagator read each other', () => {
  const propagator = new W3CTraceContextPropagator();
  const span = provider.getTracer('codec').startSpan('x');
  try {
    // Ours written, the SDK's read.
    const ours: Record<string, string> = {};
    injectTraceHeaders(span, ours);
    const read = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, ours, defaultTextMapGetter));
    assert.equal(read?.traceId, span.spanContext().traceId);
    assert.equal(read?.spanId, span.spanContext().spanId);
    assert.equal(read?.traceFlags, span.spanContext().traceFlags);
    // The SDK's written, ours read.
    const theirs: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), theirs, defaultTextMapSetter);
    assert.equal(theirs[TRACEPARENT_HEADER], ours[TRACEPARENT_HEADER]);
    const back = extractSpanContext(theirs);
    assert.equal(back?.spanId, span.spanContext().spanId);
    assert.equal(back?.isRemote, true);
  } finally {
    span.end();
  }
});
