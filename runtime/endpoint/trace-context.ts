/**
 * W3C trace context in message headers, and spans through the OpenTelemetry API. Only the API is
 * a dependency: without an SDK registered by the user (docs/operations.md, "Where is record X")
 * its tracer hands out non-recording spans with an invalid context, nothing is injected and
 * nothing is kept, so the record path pays a function call. The `traceparent` / `tracestate`
 * codec is our own (the API ships no propagator), so the headers travel whatever propagator a
 * user's SDK installs for its HTTP traffic.
 */
import {
  context,
  createTraceState,
  isSpanContextValid,
  trace,
  type Context,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { packageVersion } from '../version.js';

/** The W3C Trace Context header with the trace id, the parent span id and the flags. */
export const TRACEPARENT_HEADER = 'traceparent';
/** The W3C Trace Context header with vendor state, carried as it came. */
export const TRACESTATE_HEADER = 'tracestate';
/** The instrumentation scope spans are created under. */
export const TRACER_NAME = 'aes-endpoint-server';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The tracer of the global provider, looked up per use (an SDK may be registered later). */
export function tracer() {
  return trace.getTracer(TRACER_NAME, packageVersion());
}

/** Adds `traceparent` (and `tracestate`) for `span` to `headers`; nothing for a no-op span. */
export function injectTraceHeaders(span: Span, headers: Record<string, string>): void {
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return;
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, '0');
  headers[TRACEPARENT_HEADER] = `00-${sc.traceId}-${sc.spanId}-${flags}`;
  const state = sc.traceState?.serialize();
  if (state !== undefined && state.length > 0) headers[TRACESTATE_HEADER] = state;
}

/** The remote span context a message's headers carry; `undefined` without a valid one. */
export function extractSpanContext(
  headers: Readonly<Record<string, string | undefined>>,
): SpanContext | undefined {
  const match = TRACEPARENT.exec(headers[TRACEPARENT_HEADER]?.trim().toLowerCase() ?? '');
  if (match === null) return undefined;
  const state = headers[TRACESTATE_HEADER];
  const sc: SpanContext = {
    traceId: match[1] ?? '',
    spanId: match[2] ?? '',
    traceFlags: Number.parseInt(match[3] ?? '0', 16),
    isRemote: true,
    ...(state === undefined || state.length === 0 ? {} : { traceState: createTraceState(state) }),
  };
  return isSpanContextValid(sc) ? sc : undefined;
}

/** The context whose parent is the span the headers name (the active one without any). */
export function parentContextOf(headers: Readonly<Record<string, string | undefined>>): Context {
  const sc = extractSpanContext(headers);
  return sc === undefined ? context.active() : trace.setSpanContext(context.active(), sc);
}
