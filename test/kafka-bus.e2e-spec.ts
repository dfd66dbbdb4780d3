import { randomBytes } from 'crypto';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus } from '../libs/bus/src';
import { readWholeTopic } from './support/harness';

/**
 * The bus on the real broker under what the pipeline does: many batches publishing at once
 * (several partitions handled concurrently, each delivering to many topics), to topics created
 * a moment ago (the broker answers "not the leader" for a while and kafkajs retries). Every
 * message must land, once. (kafkajs's idempotent producer has lost or refused concurrent sends:
 * tulios/kafkajs#598, #1005; the bench once saw OUT_OF_ORDER_SEQUENCE_NUMBER stall the pipeline.)
 */
describe('KafkaBus on the real broker', () => {
  const brokers = process.env.KAFKA_BROKERS!.split(',');
  const namespace = `e2e-bus-${randomBytes(3).toString('hex')}.`;
  let bus: KafkaBus;

  beforeAll(() => {
    bus = new KafkaBus({ brokers, clientId: 'e2e-bus', namespace });
  });
  afterAll(() => bus.close());

  it('lands every message of concurrent publish and publishMany calls, each once', async () => {
    // Topics created a moment ago, as a partner's inbox is: the broker answers "not the leader"
    // for a while, and kafkajs retries while the other sends go on.
    const topics = Array.from({ length: 12 }, (_, t) => `bus-test.${t}.v1`);
    const kafka = new Kafka({ clientId: 'e2e-bus-admin', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: false, topics: topics.map((topic) => ({ topic: namespace + topic, numPartitions: 3 })) });
    await admin.disconnect();
    const calls = Array.from({ length: 30 }, (_, call) => {
      const messages = Array.from({ length: 40 }, (_, i) => ({ key: `k${(call * 40 + i) % 17}`, value: `${call}:${i}` }));
      return call % 2 === 0
        ? bus.publish(topics[call % topics.length], messages)
        : bus.publishMany(topics.map((topic) => ({ topic, messages })));
    });
    await Promise.all(calls);

    for (const [t, topic] of topics.entries()) {
      const records = await readWholeTopic(kafka, namespace + topic);
      const expected = new Set<string>();
      for (let call = 0; call < 30; call++) {
        if (call % 2 === 1 || call % topics.length === t) for (let i = 0; i < 40; i++) expected.add(`${call}:${i}`);
      }
      const values = records.map((r) => r.value.toString());
      expect(values.length).toBe(expected.size);
      expect(new Set(values)).toEqual(expected);
    }
  });

  it('handles every message of a partition in order, reads a failed batch again, and commits only what was handled', async () => {
    const topic = 'bus-consume.v1';
    const kafka = new Kafka({ clientId: 'e2e-bus-admin', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: namespace + topic, numPartitions: 3 }] });
    const values = Array.from({ length: 900 }, (_, i) => ({ key: `k${i % 30}`, value: String(i) }));
    for (let i = 0; i < values.length; i += 100) await bus.publish(topic, values.slice(i, i + 100));

    const consumerBus = new KafkaBus({ brokers, clientId: 'e2e-bus-consumer', namespace, partitionsConsumedConcurrently: 2, fetchMaxBytesPerPartition: 2048, commitIntervalMs: 50 });
    const handled = new Map<number, number[]>();
    let failed = false;
    const seen = new Set<string>();
    await consumerBus.subscribe({
      groupId: 'bus-consume',
      topics: [topic],
      handle: async (messages) => {
        // One batch fails once, midway: its partition is read again from it.
        if (!failed && Number(messages[0].offset) > 0) {
          failed = true;
          throw new Error('transient');
        }
        const offsets = handled.get(messages[0].partition) ?? [];
        offsets.push(...messages.map((m) => Number(m.offset)));
        handled.set(messages[0].partition, offsets);
        messages.forEach((m) => seen.add(m.value.toString()));
      },
    });
    const deadline = Date.now() + 60_000;
    while (seen.size < values.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await consumerBus.close();

    expect(failed).toBe(true);
    expect(seen).toEqual(new Set(values.map((v) => v.value)));
    // Each partition's offsets were handled in order, each once (the failed batch was not handled).
    for (const offsets of handled.values()) expect(offsets).toEqual(offsets.map((_, i) => i));
    const committed = await admin.fetchOffsets({ groupId: namespace + 'bus-consume', topics: [namespace + topic] });
    const ends = await admin.fetchTopicOffsets(namespace + topic);
    await admin.disconnect();
    expect(committed[0].partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(ends.map((e) => [e.partition, e.high]).sort());
  });
});
