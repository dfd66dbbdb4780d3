import { randomBytes } from 'crypto';
import { Kafka, logLevel } from 'kafkajs';
import { BusMessage, isolatingHandler, KafkaBus, PoisonMessage } from '@pdp/bus';
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
      return call % 2 === 0 ? bus.publish(topics[call % topics.length], messages) : bus.publishMany(topics.map((topic) => ({ topic, messages })));
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

  it("sends a delivery batch of several MB to hundreds of topics in one request, and a topic's share over a partition's limit in several", async () => {
    // As a national backlog's batch: thousands of deliveries over the partners' one-partition
    // topics, plus one topic (a large SPSTI) receiving more than the broker takes in one batch.
    const inboxes = Array.from({ length: 200 }, (_, t) => `bus-inbox.${t}.v1`);
    const big = 'bus-inbox.big.v1';
    const kafka = new Kafka({ clientId: 'e2e-bus-admin', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [...inboxes, big].map((topic) => ({ topic: namespace + topic, numPartitions: 1 })) });
    await admin.disconnect();
    const delivery = (i: number) => ({ key: `p${i}`, value: JSON.stringify({ i, pad: 'x'.repeat(1200) }) });
    const batches = [
      ...inboxes.map((topic, t) => ({ topic, messages: Array.from({ length: 15 }, (_, i) => delivery(t * 15 + i)) })),
      { topic: big, messages: Array.from({ length: 1500 }, (_, i) => delivery(i)) },
    ];
    await bus.publishMany(batches);
    for (const topic of [inboxes[0], inboxes[199], big]) {
      const records = await readWholeTopic(kafka, namespace + topic);
      const sent = batches.find((b) => b.topic === topic)!.messages.map((m) => m.value);
      // Everything landed, once and in order (the big topic's ~2 MB went in several requests).
      expect(records.map((r) => r.value.toString())).toEqual(sent);
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

  it('dead-letters the message its handler keeps refusing, after bounded attempts, handles the rest of its batch and commits past it; an outage dead-letters nothing', async () => {
    const topic = 'bus-poison.v1';
    const kafka = new Kafka({ clientId: 'e2e-bus-admin', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: namespace + topic, numPartitions: 2 }] });
    // One partition's messages in one request: the poison sits in the middle of a batch.
    const values = Array.from({ length: 300 }, (_, i) => ({ key: 'same-key', value: i === 150 ? 'poison' : String(i) }));
    await bus.publish(topic, values);

    const consumerBus = new KafkaBus({ brokers, clientId: 'e2e-bus-poison', namespace, commitIntervalMs: 50 });
    const stored = new Set<string>();
    const poisoned: PoisonMessage[] = [];
    const calls: number[] = [];
    let outage = 3;
    // As a handler writing its batch in one transaction: the database is down for the first
    // three calls (connection refused), then refuses the poison (a NUL in jsonb) and with it
    // the whole batch it is in.
    const handle = async (messages: BusMessage[]) => {
      calls.push(messages.length);
      if (outage-- > 0) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      if (messages.some((m) => m.value.toString() === 'poison')) throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
      messages.forEach((m) => stored.add(m.value.toString()));
    };
    await consumerBus.subscribe({
      groupId: 'bus-poison',
      topics: [topic],
      handle: isolatingHandler(handle, { maxAttempts: 3, backoffMs: 50, poison: async (p) => void poisoned.push(...p) }),
    });
    const deadline = Date.now() + 60_000;
    while ((stored.size < values.length - 1 || poisoned.length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await consumerBus.close();

    expect(stored.size).toBe(values.length - 1);
    expect(stored.has('poison')).toBe(false);
    expect(poisoned.map((p) => [p.message.value.toString(), p.error.message])).toEqual([['poison', 'unsupported Unicode escape sequence']]);
    // The outage was retried as it was (the pipeline's re-reads), not split nor dead-lettered;
    // the poison's batch was tried three times whole, then in parts.
    expect(calls.slice(0, 3).every((n) => n === calls[0])).toBe(true);
    // Committed past the poison: a restart does not read it again.
    const committed = await admin.fetchOffsets({ groupId: namespace + 'bus-poison', topics: [namespace + topic] });
    const ends = await admin.fetchTopicOffsets(namespace + topic);
    await admin.disconnect();
    const written = ends.filter((e) => e.high !== '0');
    expect(written).toHaveLength(1);
    expect(committed[0].partitions.find((p) => p.partition === written[0].partition)?.offset).toBe(written[0].high);
  });
});
