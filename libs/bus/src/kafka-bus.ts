import { Admin, Consumer, Kafka, logLevel, Producer } from 'kafkajs';
import { Logger } from '@nestjs/common';
import { BusMessage, MessageBus, OutgoingMessage, Subscription, TopicSpec } from './bus';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** Prefix of every topic name on the cluster (isolates test runs and environments sharing a cluster). */
  namespace?: string;
  /** Partitions whose batches one consumer handles at once (overlaps database round trips). */
  partitionsConsumedConcurrently?: number;
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
  fetchMaxBytesPerPartition?: number;
}

const MAX_REQUEST_BYTES = 768 * 1024;

/** Producer errors after which its sequence numbers are out of step with the broker's. */
const FATAL_PRODUCER_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

/** Splits messages into consecutive chunks whose keys and values stay under maxBytes. */
export function chunksBySize<T extends { key: string; value: Buffer | string }>(messages: T[], maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const m of messages) {
    const bytes = Buffer.byteLength(m.value) + Buffer.byteLength(m.key) + 64;
    if (current.length && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(m);
    size += bytes;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/**
 * kafkajs adapter. Consumes with eachBatch and commits a batch's offsets only once its handler
 * has finished, so a crash re-delivers (handlers are idempotent) and nothing is lost.
 */
export class KafkaBus implements MessageBus {
  private readonly kafka: Kafka;
  private producer?: Producer;
  private readonly consumers: Consumer[] = [];
  private readonly knownTopics = new Set<string>();
  private listed = false;
  private readonly logger = new Logger('KafkaBus');
  private readonly ns: string;
  private readonly concurrency: number;
  /** The tail of the queue of sends (see send). */
  private sending: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: KafkaBusOptions) {
    this.ns = options.namespace ?? '';
    this.concurrency = options.partitionsConsumedConcurrently ?? 1;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.ERROR,
      retry: { retries: 8, initialRetryTime: 200 },
    });
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const missing = specs.map((s) => ({ ...s, topic: this.ns + s.topic })).filter((s) => !this.knownTopics.has(s.topic));
    if (missing.length === 0) return;
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      // Remember every topic that exists already: later calls for them cost no round trip.
      if (!this.listed) {
        existing.forEach((t) => this.knownTopics.add(t));
        this.listed = true;
      }
      const toCreate = missing.filter((s) => !existing.has(s.topic));
      let createError: unknown;
      if (toCreate.length > 0) {
        try {
          // Leaders are awaited below, by polling metadata: the client's own wait fails when
          // several apps create topics at once (the broker's metadata lags for a moment).
          await admin.createTopics({
            waitForLeaders: false,
            topics: toCreate.map((s) => ({ topic: s.topic, numPartitions: s.partitions, replicationFactor: -1 })),
          });
        } catch (e) {
          // Often another app created some of them first: the poll below decides.
          createError = e;
        }
      }
      // Another app may have created them a moment ago: wait until their leaders are known.
      await this.waitForLeaders(admin, missing.map((s) => s.topic)).catch((e) => {
        throw createError ?? e;
      });
      missing.forEach((s) => this.knownTopics.add(s.topic));
    } finally {
      await admin.disconnect();
    }
  }

  private async waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { topics: meta } = await admin.fetchTopicMetadata({ topics });
        if (meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
      } catch (e) {
        if (!(e as { retriable?: boolean }).retriable || attempt >= 40) throw e;
      }
      if (attempt >= 40) throw new Error(`no leader for ${topics.join(', ')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    // A request holds one record batch per partition, which the broker caps (message.max.bytes,
    // 1 MB by default): send large batches in chunks.
    for (const chunk of chunksBySize(messages, MAX_REQUEST_BYTES)) {
      await this.send((p) => p.send({ topic: this.ns + topic, messages: chunk.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) }));
    }
  }

  async publishMany(batches: { topic: string; messages: OutgoingMessage[] }[]): Promise<void> {
    const all = batches.flatMap((b) => b.messages.map((m) => ({ topic: this.ns + b.topic, m })));
    if (all.length === 0) return;
    // One request for many topics, in chunks under the broker's limits.
    for (const chunk of chunksBySize(all.map((x) => ({ ...x, key: x.m.key, value: x.m.value })), MAX_REQUEST_BYTES)) {
      const byTopic = new Map<string, { key: string; value: Buffer | string; headers?: Record<string, string> }[]>();
      for (const { topic, m } of chunk) {
        const list = byTopic.get(topic) ?? [];
        list.push({ key: m.key, value: m.value, headers: m.headers });
        byTopic.set(topic, list);
      }
      await this.send((p) => p.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) }));
    }
  }

  /**
   * Sends one at a time. kafkajs's idempotent producer numbers a partition's batches when it
   * builds a request: concurrent sends (batches of several partitions handled at once) can
   * reach the broker out of order, which answers OUT_OF_ORDER_SEQUENCE_NUMBER for every later
   * send (tulios/kafkajs#598, #1005; found by the latency bench as a pipeline stalled for good).
   * After such a fatal producer error the producer is replaced, with a new producer id.
   */
  private send<T>(fn: (producer: Producer) => Promise<T>): Promise<T> {
    const result = this.sending.then(async () => {
      const producer = await this.getProducer();
      try {
        return await fn(producer);
      } catch (e) {
        if (FATAL_PRODUCER_ERRORS.has((e as { type?: string }).type ?? '')) {
          this.logger.warn(`producer reset after ${(e as { type: string }).type}`);
          this.producer = undefined;
          await producer.disconnect().catch(() => undefined);
        }
        throw e;
      }
    });
    this.sending = result.catch(() => undefined);
    return result;
  }

  async subscribe(sub: Subscription): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.ns + sub.groupId,
      maxBytesPerPartition: this.options.fetchMaxBytesPerPartition ?? 2 * 1024 * 1024,
      minBytes: this.options.fetchMinBytes ?? 1,
      maxWaitTimeInMs: this.options.fetchMaxWaitMs ?? 100,
    });
    this.consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: sub.topics.map((t) => this.ns + t), fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.concurrency,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const messages: BusMessage[] = batch.messages.map((m) => ({
          topic: batch.topic.slice(this.ns.length),
          partition: batch.partition,
          offset: m.offset,
          key: m.key ? m.key.toString() : null,
          value: m.value ?? Buffer.alloc(0),
          headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, v ? v.toString() : ''])),
        }));
        await sub.handle(messages);
        resolveOffset(batch.messages[batch.messages.length - 1].offset);
        await heartbeat();
      },
    });
    this.logger.log(`consumer group ${sub.groupId} running on ${sub.topics.join(', ')}`);
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.disconnect()));
    this.consumers.length = 0;
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  private async getProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }
}
