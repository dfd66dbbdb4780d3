import { Kafka } from 'kafkajs';
import { chunksBySize } from '@pdp/bus';
import { createTopics, produceAll } from './kafka-tools';
import { cpuByPid, cpuDelta, kernelDelta } from './cpu';

/**
 * The machine's reference: a bare kafkajs consume → produce pass-through on the same broker,
 * same partition count and same message sizes as the hub's run. Returns messages/s.
 */
export async function measurePassThrough(
  kafka: Kafka,
  prefix: string,
  partitions: number,
  messages: Iterable<{ key: string; value: string }>,
): Promise<{ messagesPerSecond: number; seconds: number; messages: number; cpuSeconds: Record<string, number>; kernelSeconds: Record<string, number>; minorFaults: Record<string, number> }> {
  const input = `${prefix}passthrough.in`;
  const output = `${prefix}passthrough.out`;
  await createTopics(kafka, [input, output], partitions);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const total = await produceAll(producer, input, messages);

  const cpuBefore = cpuByPid();
  // The hub's fetch size (KAFKA_FETCH_MAX_BYTES_PER_PARTITION's default): the same batches.
  const consumer = kafka.consumer({ groupId: `${prefix}passthrough`, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic: input, fromBeginning: true });
  let consumed = 0;
  let first = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        if (!first) first = Date.now();
        const out = batch.messages.map((m) => ({ key: m.key!.toString(), value: m.value! }));
        for (const chunk of chunksBySize(out, 768 * 1024)) await producer.send({ topic: output, messages: chunk });
        resolveOffset(batch.messages[batch.messages.length - 1].offset);
        await heartbeat();
        consumed += batch.messages.length;
        if (consumed >= total) resolve(Date.now());
      },
    });
  });
  const end = await done;
  // The same split as the hub's: what the broker spends on a bare consume → produce.
  const cpuAfter = cpuByPid();
  const names = new Map([[process.pid, 'pass-through (this process)']]);
  const cpuSeconds = cpuDelta(cpuBefore, cpuAfter, names);
  const { kernelSeconds, minorFaults } = kernelDelta(cpuBefore, cpuAfter, names);
  await consumer.disconnect();
  await producer.disconnect();
  const seconds = (end - first) / 1000;
  return { messagesPerSecond: Math.round(total / seconds), seconds, messages: total, cpuSeconds, kernelSeconds, minorFaults };
}
