import { Context, context, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

const tracer = () => trace.getTracer('pdp-hub');

/**
 * The id that follows one message from stage to stage: the sender's `messageId` on an inbound
 * message, and the `sourceMessageId` every derived record carries (case events, inbox
 * deliveries). The first of either in the JSON text is the message's own: derived records put
 * their source id before any nested message. It is the sender's id, never a person's.
 */
const CORRELATION = /"(?:sourceMessageId|messageId)"\s*:\s*"([^"\\]{1,200})"/;

export function correlationOf(value: Buffer | string | null): string | undefined {
  if (value === null) return undefined;
  // The id sits near the start of every record; reading a bounded prefix keeps this cheap on
  // large payloads (a CSV-born batch, a referral with its report).
  const head = typeof value === 'string' ? value.slice(0, 4096) : value.subarray(0, 4096).toString('utf8');
  return CORRELATION.exec(head)?.[1];
}

/** Records carry W3C trace context (traceparent, tracestate) whatever propagator the process installed. */
const w3c = new W3CTraceContextPropagator();

const headerGetter = {
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
  get: (carrier: Record<string, string>, key: string) => carrier[key],
};
const headerSetter = {
  set: (carrier: Record<string, string>, key: string, value: string) => {
    carrier[key] = value;
  },
};

/**
 * The trace context of the messages being handled, by correlation id. A handler publishes what
 * it derives from a batch later and sometimes from another async context (the normaliser's
 * handler threads answer through a message port), so the link from a derived record to the
 * message it came from is its correlation id, not the async context.
 */
const inFlight = new Map<string, { context: Context; holders: number }>();

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** The per-message spans of one consumed batch; end() closes them with the batch's outcome. */
export interface MessageSpans {
  end(error?: unknown): void;
}

const NOTHING: MessageSpans = { end: () => undefined };

/**
 * Opens one span per consumed message, a child of the trace its headers carry (W3C
 * traceparent) or the root of a new one for a message from outside the hub, so that one sick
 * leave's trace runs through every stage (docs/operations.md, "Traces"). Attributes name the
 * topic, partition, offset, stage and message id: never a key (a pseudonym) nor a payload.
 * Nothing is done when no tracer is installed.
 */
export function startMessageSpans(stage: string, messages: readonly ConsumedMessage[]): MessageSpans {
  if (messages.length === 0) return NOTHING;
  const opened: { span: Span; correlation?: string }[] = [];
  for (const m of messages) {
    const parent = m.headers.traceparent ? w3c.extract(ROOT_CONTEXT, m.headers, headerGetter) : ROOT_CONTEXT;
    const span = tracer().startSpan(
      `${stage} ${m.topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': m.topic,
          'messaging.destination.partition.id': String(m.partition),
          'messaging.kafka.offset': Number(m.offset),
          'messaging.consumer.group.name': stage,
        },
      },
      parent,
    );
    // Without a tracer (or for a trace not sampled) the span records nothing: nothing to link.
    if (!span.isRecording()) continue;
    const correlation = correlationOf(m.value);
    if (correlation) span.setAttribute('messaging.message.id', correlation);
    opened.push({ span, correlation });
    if (correlation) {
      const held = inFlight.get(correlation);
      inFlight.set(correlation, { context: trace.setSpan(ROOT_CONTEXT, span), holders: (held?.holders ?? 0) + 1 });
    }
  }
  if (opened.length === 0) return NOTHING;
  return {
    end(error?: unknown) {
      for (const { span, correlation } of opened) {
        if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'failed' });
        span.end();
        if (correlation) {
          const held = inFlight.get(correlation);
          if (held && --held.holders <= 0) inFlight.delete(correlation);
        }
      }
    },
  };
}

/**
 * The headers an outgoing record carries so the next stage continues its trace: the context of
 * the message it was derived from (by correlation id), else the caller's active context (an
 * HTTP request publishing what it accepted). The record's own headers win; nothing is added
 * when there is no trace to continue.
 */
export function hasTraceToContinue(): boolean {
  return inFlight.size > 0 || trace.getSpanContext(context.active()) !== undefined;
}

export function traceHeaders(value: Buffer | string | null, headers: Record<string, string> | undefined): Record<string, string> | undefined {
  if (headers?.traceparent) return headers;
  let ctx: Context | undefined;
  if (inFlight.size > 0) {
    const correlation = correlationOf(value);
    if (correlation) ctx = inFlight.get(correlation)?.context;
  }
  ctx ??= context.active();
  if (!trace.getSpanContext(ctx)) return headers;
  const carrier: Record<string, string> = { ...headers };
  w3c.inject(ctx, carrier, headerSetter);
  return carrier.traceparent ? carrier : headers;
}

/**
 * A server span for one HTTP request, continuing the caller's trace when it sends a W3C
 * traceparent; run the rest of the request inside the returned context. The span is named by
 * the route template once it is known (never the path: it holds ids).
 */
export function startServerSpan(method: string, headers: Record<string, string | string[] | undefined>): { span: Span; context: Context } | undefined {
  const carrier: Record<string, string> = {};
  for (const k of ['traceparent', 'tracestate']) if (typeof headers[k] === 'string') carrier[k] = headers[k];
  const parent = carrier.traceparent ? w3c.extract(ROOT_CONTEXT, carrier, headerGetter) : ROOT_CONTEXT;
  const span = tracer().startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent);
  if (!span.isRecording()) return undefined;
  return { span, context: trace.setSpan(parent, span) };
}

/** The active trace id, for log lines (empty when there is no trace). */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const sc = trace.getSpanContext(context.active());
  return sc && trace.isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : undefined;
}
