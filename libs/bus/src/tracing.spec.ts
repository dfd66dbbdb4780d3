import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { InMemoryBus } from './memory-bus';
import { BusTransport } from './bus-transport';
import { withNirKey } from '@pdp/domain';

describe('tracing of consumed batches', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  beforeAll(() => trace.setGlobalTracerProvider(provider));
  afterAll(() => provider.shutdown());

  it('records one consumer span per batch with its topic and size, and nothing of the payload', async () => {
    const nir = withNirKey('1850578006084');
    const bus = new InMemoryBus();
    await bus.ensureTopics([{ topic: 'pdp.sick-leave.inbound.v1', partitions: 1 }]);
    const seen: number[] = [];
    const transport = new BusTransport(bus, 'g', Symbol('t'));
    transport.addHandler('pdp.sick-leave.inbound.v1', async (batch: unknown[]) => void seen.push(batch.length), true);
    await new Promise<void>((resolve, reject) => transport.listen((e?: unknown) => (e ? reject(e) : resolve())));
    await bus.publish('pdp.sick-leave.inbound.v1', [
      { key: 'aat-1', value: JSON.stringify({ worker: { nir } }) },
      { key: 'aat-2', value: '{}' },
    ]);
    await bus.idle();
    expect(seen).toEqual([2]);
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0].name).toBe('consume pdp.sick-leave.inbound.v1');
    expect(spans[0].attributes).toMatchObject({ 'messaging.destination.name': 'pdp.sick-leave.inbound.v1', 'messaging.batch.message_count': 2, 'messaging.consumer.group.name': 'g' });
    expect(JSON.stringify(spans.map((s) => ({ n: s.name, a: s.attributes, e: s.events })))).not.toContain(nir);
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('aat-1');
  });
});
