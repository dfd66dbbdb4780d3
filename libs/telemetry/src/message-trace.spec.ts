import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { correlationOf, startMessageSpans, traceHeaders } from './message-trace';

describe('message traces', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  it("reads a record's correlation id: its source message id, else its own message id", () => {
    expect(correlationOf('{"schemaVersion":"case-event/1","sourceMessageId":"m-1","eventId":"e"}')).toBe('m-1');
    expect(correlationOf(Buffer.from('{"messageId":"m-2","worker":{"nir":"x"}}'))).toBe('m-2');
    expect(correlationOf('{"deliveryId":"d","caseEvent":{"sourceMessageId":"m-3"}}')).toBe('m-3');
    expect(correlationOf('{"no":"id"}')).toBeUndefined();
    expect(correlationOf(null)).toBeUndefined();
  });

  it('continues the trace of the consumed message in what is derived from it, and starts one for a record from outside', () => {
    const parentId = '0af7651916cd43dd8448eb211c80319c';
    const spans = startMessageSpans('pdp-normalizer', [
      { topic: 't', partition: 0, offset: '4', value: Buffer.from('{"messageId":"m-1"}'), headers: { traceparent: `00-${parentId}-b7ad6b7169203331-01` } },
      { topic: 't', partition: 1, offset: '9', value: Buffer.from('{"messageId":"m-2"}'), headers: {} },
    ]);
    const derived = traceHeaders('{"sourceMessageId":"m-1"}', { 'idempotency-key': 'k' });
    expect(derived).toMatchObject({ 'idempotency-key': 'k', traceparent: expect.stringMatching(new RegExp(`^00-${parentId}-[0-9a-f]{16}-01$`)) });
    spans.end();
    const [first, second] = exporter.getFinishedSpans();
    expect(first.spanContext().traceId).toBe(parentId);
    expect(first.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(derived!.traceparent).toContain(first.spanContext().spanId);
    expect(second.spanContext().traceId).not.toBe(parentId);
    expect(second.parentSpanContext).toBeUndefined();
    expect(first.attributes).toMatchObject({ 'messaging.destination.name': 't', 'messaging.kafka.offset': 4, 'messaging.message.id': 'm-1' });
    // Once the batch is done, nothing more is matched to it.
    expect(traceHeaders('{"sourceMessageId":"m-1"}', undefined)).toBeUndefined();
  });

  it("keeps a record's own traceparent", () => {
    const own = { traceparent: '00-11111111111111111111111111111111-2222222222222222-01' };
    expect(traceHeaders('{"messageId":"x"}', own)).toBe(own);
  });
});
