import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

describe('Kafka broker (e2e support smoke test)', () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  const kafka = new Kafka({ clientId: 'pdp-hub-smoke', brokers, logLevel: logLevel.WARN });

  it('is provided by the global setup', () => {
    expect(brokers.length).toBeGreaterThan(0);
  });

  it('creates a topic, produces 3 messages and consumes them back', async () => {
    const topic = `smoke.${randomUUID()}`;
    const admin = kafka.admin();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}` });
    try {
      await admin.connect();
      // auto.create.topics.enable=false on the test broker: topics must be created explicitly.
      await expect(admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] })).resolves.toBe(true);

      await producer.connect();
      await producer.send({
        topic,
        messages: [1, 2, 3].map((n) => ({ key: `k${n}`, value: `message-${n}` })),
      });

      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received: string[] = [];
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              received.push(message.value?.toString() ?? '');
              if (received.length === 3) resolve();
            },
          })
          .catch(reject);
      });

      expect(received).toEqual(['message-1', 'message-2', 'message-3']);
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  });
});
