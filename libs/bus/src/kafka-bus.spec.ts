import { Kafka, PartitionMetadata, Partitioners, Producer, ProducerBatch } from 'kafkajs';
import { KafkaBus, MAX_TOPIC_BYTES, requestChunks, singlePartitionFirst } from './kafka-bus';

/**
 * The producer side of KafkaBus with a fake kafkajs client: what a real broker will not do on
 * demand (a fatal sequence error) and the grouping of sends queued behind a request in flight.
 * The real broker's behaviour is covered by test/kafka-bus.e2e-spec.ts.
 */
class FakeProducer {
  readonly requests: ProducerBatch[] = [];
  disconnected = false;
  /** The next request waits for release() (a request in flight), or fails with this error. */
  private gate?: Promise<void>;
  private open?: () => void;
  failWith?: Error & { type?: string };

  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async connect(): Promise<void> {}

  async disconnect(): Promise<void> {
    this.disconnected = true;
  }

  async sendBatch(batch: ProducerBatch): Promise<[]> {
    this.requests.push(batch);
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    return [];
  }
}

function busWith(producers: FakeProducer[]): { bus: KafkaBus; made: () => number } {
  let made = 0;
  const kafka = {
    producer: () => producers[made++] as unknown as Producer,
    consumer: () => {
      throw new Error('not used');
    },
    admin: () => {
      throw new Error('not used');
    },
  } as unknown as Pick<Kafka, 'producer' | 'consumer' | 'admin'>;
  return { bus: new KafkaBus({ brokers: [], clientId: 'test', namespace: 'ns.', kafka }), made: () => made };
}

const msg = (key: string) => ({ key, value: `{"k":"${key}"}` });
const flushed = () => new Promise((r) => setImmediate(r));

describe('KafkaBus producer', () => {
  it('sends what queued up behind a request in flight together, in one request', async () => {
    const producer = new FakeProducer();
    const { bus } = busWith([producer]);
    producer.hold();
    const first = bus.publish('a', [msg('1')]);
    await flushed();
    const second = bus.publish('a', [msg('2')]);
    const third = bus.publishMany([
      { topic: 'b', messages: [msg('3')] },
      { topic: 'a', messages: [msg('4')] },
    ]);
    await flushed();
    expect(producer.requests).toHaveLength(1);
    producer.release();
    await Promise.all([first, second, third]);
    expect(producer.requests).toHaveLength(2);
    const grouped = producer.requests[1].topicMessages!;
    expect(grouped.map((t) => [t.topic, t.messages.map((m) => m.key)])).toEqual([
      ['ns.a', ['2', '4']],
      ['ns.b', ['3']],
    ]);
  });

  it("does not group sends whose messages for one topic would pass a partition's limit together", async () => {
    const producer = new FakeProducer();
    const { bus } = busWith([producer]);
    const heavy = (key: string) => ({ key, value: 'x'.repeat(MAX_TOPIC_BYTES / 2 + 1) });
    producer.hold();
    const first = bus.publish('a', [msg('1')]);
    await flushed();
    const sends = [bus.publish('a', [heavy('2')]), bus.publish('b', [msg('3')]), bus.publish('a', [heavy('4')])];
    await flushed();
    producer.release();
    await Promise.all([first, ...sends]);
    const keys = producer.requests.map((r) => r.topicMessages!.map((t) => [t.topic, t.messages.map((m) => m.key)]));
    expect(keys).toEqual([
      [['ns.a', ['1']]],
      [
        ['ns.a', ['2']],
        ['ns.b', ['3']],
      ],
      [['ns.a', ['4']]],
    ]);
  });

  it('replaces the producer after a fatal sequence error, and later sends use the new one', async () => {
    const broken = new FakeProducer();
    broken.failWith = Object.assign(new Error('out of order'), { type: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
    const fresh = new FakeProducer();
    const { bus, made } = busWith([broken, fresh]);
    await expect(bus.publish('a', [msg('1')])).rejects.toThrow('out of order');
    expect(broken.disconnected).toBe(true);
    await bus.publish('a', [msg('2')]);
    expect(made()).toBe(2);
    expect(fresh.requests).toHaveLength(1);
    expect(fresh.requests[0].topicMessages![0].messages[0].key).toBe('2');
  });

  it('keeps the producer after an ordinary error', async () => {
    const producer = new FakeProducer();
    producer.failWith = Object.assign(new Error('request timed out'), { type: 'REQUEST_TIMED_OUT' });
    const { bus, made } = busWith([producer, new FakeProducer()]);
    await expect(bus.publish('a', [msg('1')])).rejects.toThrow('timed out');
    producer.failWith = undefined;
    await bus.publish('a', [msg('2')]);
    expect(made()).toBe(1);
    expect(producer.disconnected).toBe(false);
    expect(producer.requests).toHaveLength(2);
  });
});

describe('singlePartitionFirst', () => {
  const partitions = (n: number): PartitionMetadata[] => Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0, offlineReplicas: [] }));

  it("sends to a one-partition topic's partition without hashing, and keys elsewhere as the default partitioner does", () => {
    const ours = singlePartitionFirst();
    const theirs = Partitioners.DefaultPartitioner();
    const keys = Array.from({ length: 200 }, (_, i) => `person-pseudonym-${i}`);
    const one = partitions(1);
    expect(keys.every((key) => ours({ topic: 'pdp.inbox.p1.v1', partitionMetadata: one, message: { key, value: 'v' } }) === 0)).toBe(true);
    const six = partitions(6);
    const spread = keys.map((key) => ours({ topic: 'pdp.case.parked.v1', partitionMetadata: six, message: { key, value: 'v' } }));
    expect(spread).toEqual(keys.map((key) => theirs({ topic: 'pdp.case.parked.v1', partitionMetadata: six, message: { key, value: 'v' } })));
    expect(new Set(spread).size).toBe(6);
  });
});

describe('requestChunks', () => {
  const m = (topic: string, key: string, bytes = 100) => ({ topic, key, value: 'x'.repeat(bytes - key.length - 64) });
  const keysOf = (chunks: { topic: string; key: string }[][]) => chunks.map((c) => c.map((x) => `${x.topic}:${x.key}`));

  it('puts a batch spread over many topics in one request', () => {
    const messages = Array.from({ length: 3000 }, (_, i) => m(`inbox-${i % 300}`, String(i), 1300));
    const chunks = requestChunks(messages);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toHaveLength(3000);
  });

  it("splits a topic's messages over requests in their order, each request under the topic's limit", () => {
    const messages = [m('a', '1', 400), m('b', '2', 400), m('a', '3', 400), m('a', '4', 400), m('b', '5', 400)];
    expect(keysOf(requestChunks(messages, 1000, 10_000))).toEqual([['a:1', 'b:2', 'a:3', 'b:5'], ['a:4']]);
  });

  it('never sends a later message of a topic in an earlier request', () => {
    const messages = [m('a', '1', 600), m('a', '2', 600), m('b', '3', 600), m('c', '4', 600), m('a', '5', 100)];
    const chunks = keysOf(requestChunks(messages, 1000, 1300));
    expect(chunks).toEqual([
      ['a:1', 'b:3'],
      ['a:2', 'c:4', 'a:5'],
    ]);
  });

  it('keeps each request under the total limit, and sends a message over a limit alone', () => {
    const messages = [m('a', '1', 600), m('b', '2', 600), m('c', '3', 5000), m('d', '4', 600)];
    expect(keysOf(requestChunks(messages, 1000, 1300))).toEqual([['a:1', 'b:2'], ['c:3'], ['d:4']]);
  });
});
