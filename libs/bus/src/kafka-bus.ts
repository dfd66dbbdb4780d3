import { Admin, Consumer, ICustomPartitioner, IHeaders, Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { Logger } from '@nestjs/common';
import { BusMessage, MessageBus, NO_HEADERS, OutgoingMessage, Subscription, TopicSpec } from './bus';
import { BatchPipeline } from './batch-pipeline';
import { kafkaSecurity, KafkaSecuritySettings } from './kafka-security';
import type { ConsumerState, ObservableBus } from './instrumented-bus';

/** How long a group whose consumer crashed for good waits before joining again with a new one. */
const REJOIN_DELAY_MS = 5_000;

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
  commitIntervalMs?: number;
  /** kafkajs's sessionTimeout (30 s by default): how soon a crashed member's partitions move. */
  sessionTimeoutMs?: number;
  /** TLS and SASL towards the brokers (the configuration's KAFKA_SSL* and KAFKA_SASL_* settings). */
  security?: KafkaSecuritySettings;
  /** The kafkajs client to use; built from brokers and clientId when absent (tests pass a fake one to reach the producer's failure paths). */
  kafka?: Pick<Kafka, 'producer' | 'consumer' | 'admin'>;
}

/**
 * A produce request's limits. The broker refuses a partition's record batch over
 * message.max.bytes (1 MB by default), so a topic's share of one request stays under 768 KiB
 * whatever the partitioner does with it; the request as a whole only has to stay under
 * socket.request.max.bytes (100 MB). A batch's deliveries spread over hundreds of partner topics
 * (a few KiB each), so one request carries them all: capped at 768 KiB in all, they took five
 * round trips one after the other, each batch's transaction open meanwhile (docs/performance.md).
 */
export const MAX_TOPIC_BYTES = 768 * 1024;
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** Producer errors after which its sequence numbers are out of step with the broker's. */
const FATAL_PRODUCER_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

interface QueuedMessage {
  topic: string;
  key: string;
  value: Buffer | string | null;
  headers?: Record<string, string>;
}

/** What a message weighs in a produce request (key, value and the record's overhead). */
function messageBytes(m: { key: string; value: Buffer | string | null }): number {
  return (m.value === null ? 0 : Buffer.byteLength(m.value)) + Buffer.byteLength(m.key) + 64;
}

/**
 * Splits messages for several topics into produce requests: each topic's messages keep their
 * order across requests and weigh at most maxTopicBytes in each, a request at most maxBytes.
 */
export function requestChunks<T extends { topic: string; key: string; value: Buffer | string | null }>(messages: T[], maxTopicBytes = MAX_TOPIC_BYTES, maxBytes = MAX_REQUEST_BYTES): T[][] {
  const chunks: { messages: T[]; bytes: number; byTopic: Map<string, number> }[] = [];
  // The request a topic's next message may go to: never an earlier one than its last message's.
  const next = new Map<string, number>();
  for (const m of messages) {
    const bytes = messageBytes(m);
    let i = next.get(m.topic) ?? 0;
    for (; i < chunks.length; i++) {
      const c = chunks[i];
      const topicBytes = c.byTopic.get(m.topic) ?? 0;
      // A message over a limit goes where its topic (or, over the total, the request) has
      // nothing yet: the broker says if it is too large.
      if ((topicBytes === 0 || topicBytes + bytes <= maxTopicBytes) && (c.messages.length === 0 || c.bytes + bytes <= maxBytes)) break;
    }
    if (i === chunks.length) chunks.push({ messages: [], bytes: 0, byTopic: new Map() });
    const c = chunks[i];
    c.messages.push(m);
    c.bytes += bytes;
    c.byTopic.set(m.topic, (c.byTopic.get(m.topic) ?? 0) + bytes);
    next.set(m.topic, i);
  }
  return chunks.map((c) => c.messages);
}

/** Splits messages into consecutive chunks whose keys and values stay under maxBytes. */
export function chunksBySize<T extends { key: string; value: Buffer | string | null }>(messages: T[], maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const m of messages) {
    const bytes = messageBytes(m);
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

/** Record headers as strings; most inbound records have none, and they then share one empty object. */
function headersOf(headers: IHeaders | undefined): Record<string, string> {
  if (!headers) return NO_HEADERS;
  const keys = Object.keys(headers);
  if (keys.length === 0) return NO_HEADERS;
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = headers[k];
    out[k] = v ? v.toString() : '';
  }
  return out;
}

/**
 * kafkajs adapter. Consumes with eachBatch into a BatchPipeline, which commits a batch's offsets
 * only once its handler has finished, so a crash re-delivers (handlers are idempotent) and
 * nothing is lost.
 */
export class KafkaBus implements MessageBus, ObservableBus {
  private readonly kafka: Pick<Kafka, 'producer' | 'consumer' | 'admin'>;
  private producer?: Producer;
  private readonly consumers: Consumer[] = [];
  /** Each consumer group's state (kafkajs's GROUP_JOIN, CRASH, STOP events) and topics, for readiness and lag. */
  private readonly groups = new Map<string, { state: ConsumerState; topics: string[] }>();
  private readonly pipelines: BatchPipeline<BusMessage>[] = [];
  private closing = false;
  private readonly knownTopics = new Set<string>();
  private listed = false;
  private readonly logger = new Logger('KafkaBus');
  private readonly ns: string;
  private readonly concurrency: number;
  /** Sends waiting for the producer (see send). */
  private readonly queue: { messages: QueuedMessage[]; bytes: number; byTopic: Map<string, number>; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;

  constructor(private readonly options: KafkaBusOptions) {
    this.ns = options.namespace ?? '';
    this.concurrency = options.partitionsConsumedConcurrently ?? 1;
    this.kafka =
      options.kafka ??
      new Kafka({
        clientId: options.clientId,
        brokers: options.brokers,
        ...kafkaSecurity(options.security ?? {}),
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
            topics: toCreate.map((s) => ({
              topic: s.topic,
              numPartitions: s.partitions,
              replicationFactor: -1,
              ...(s.retentionMs !== undefined ? { configEntries: [{ name: 'retention.ms', value: String(s.retentionMs) }] } : {}),
            })),
          });
        } catch (e) {
          // Often another app created some of them first: the poll below decides.
          createError = e;
        }
      }
      // Another app may have created them a moment ago: wait until their leaders are known.
      await this.waitForLeaders(
        admin,
        missing.map((s) => s.topic),
      ).catch((e) => {
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
    await this.publishMany([{ topic, messages }]);
  }

  /**
   * Many topics in one produce request, in chunks under the broker's limits (a request holds one
   * record batch per partition, capped by message.max.bytes, 1 MB by default).
   */
  async publishMany(batches: { topic: string; messages: OutgoingMessage[] }[]): Promise<void> {
    const all = batches.flatMap((b) => b.messages.map((m) => ({ topic: this.ns + b.topic, key: m.key, value: m.value, headers: m.headers })));
    for (const chunk of requestChunks(all)) await this.send(chunk);
  }

  /**
   * Sends go through one queue, one request at a time, and the sends that queued up meanwhile
   * leave together in the next request (as a database groups commits): batches of several
   * partitions finishing at once cost one round trip, not one each. One at a time because
   * kafkajs's idempotent producer numbers a partition's batches when it builds a request:
   * concurrent requests can reach the broker out of order, and it then answers
   * OUT_OF_ORDER_SEQUENCE_NUMBER to every later send (tulios/kafkajs#598, #1005; the latency
   * bench stalled for good on it). After such a fatal error the producer is replaced.
   */
  private send(messages: QueuedMessage[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const byTopic = new Map<string, number>();
      let bytes = 0;
      for (const m of messages) {
        const b = messageBytes(m);
        bytes += b;
        byTopic.set(m.topic, (byTopic.get(m.topic) ?? 0) + b);
      }
      this.queue.push({ messages, bytes, byTopic, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      // Whole sends, in queue order, within a request's limits (at least one).
      let bytes = 0;
      const topicBytes = new Map<string, number>();
      let n = 0;
      const fits = (q: { bytes: number; byTopic: Map<string, number> }) => bytes + q.bytes <= MAX_REQUEST_BYTES && [...q.byTopic].every(([t, b]) => (topicBytes.get(t) ?? 0) + b <= MAX_TOPIC_BYTES);
      while (n < this.queue.length && (n === 0 || fits(this.queue[n]))) {
        const q = this.queue[n++];
        bytes += q.bytes;
        for (const [t, b] of q.byTopic) topicBytes.set(t, (topicBytes.get(t) ?? 0) + b);
      }
      const sends = this.queue.splice(0, n);
      const byTopic = new Map<string, QueuedMessage[]>();
      for (const m of sends.flatMap((x) => x.messages)) {
        const list = byTopic.get(m.topic) ?? [];
        list.push(m);
        byTopic.set(m.topic, list);
      }
      let producer: Producer | undefined;
      try {
        producer = await this.getProducer();
        await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list.map(({ key, value, headers }) => ({ key, value, headers })) })) });
        sends.forEach((x) => x.resolve());
      } catch (e) {
        if (producer && FATAL_PRODUCER_ERRORS.has((e as { type?: string }).type ?? '')) {
          this.logger.warn(`producer reset after ${(e as { type: string }).type}`);
          this.producer = undefined;
          await producer.disconnect().catch(() => undefined);
        }
        sends.forEach((x) => x.reject(e));
      }
    }
    this.flushing = false;
  }

  async subscribe(sub: Subscription): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.ns + sub.groupId,
      ...(this.options.sessionTimeoutMs ? { sessionTimeout: this.options.sessionTimeoutMs, heartbeatInterval: Math.min(3000, Math.floor(this.options.sessionTimeoutMs / 3)) } : {}),
      maxBytesPerPartition: this.options.fetchMaxBytesPerPartition ?? 4 * 1024 * 1024,
      minBytes: this.options.fetchMinBytes ?? 1,
      maxWaitTimeInMs: this.options.fetchMaxWaitMs ?? 100,
    });
    this.consumers.push(consumer);
    const group = { state: 'starting' as ConsumerState, topics: sub.topics.map((t) => this.ns + t) };
    this.groups.set(sub.groupId, group);
    consumer.on(consumer.events.GROUP_JOIN, () => (group.state = 'joined'));
    const pipeline = new BatchPipeline<BusMessage>({
      running: this.concurrency,
      // One more fetch's worth waiting: the next fetch overlaps the batches being handled.
      buffered: 2 * this.concurrency,
      handle: (messages) => sub.handle(messages),
      commit: (offsets) => consumer.commitOffsets(offsets),
      seek: (topic, partition, offset) => consumer.seek({ topic, partition, offset }),
      commitIntervalMs: this.options.commitIntervalMs ?? 250,
      retryDelayMs: 1000,
      onError: (message) => this.logger.error(`group ${sub.groupId}: ${message}`),
    });
    // kafkajs restarts a consumer after a retriable crash (it joins again). An error it deems
    // final (no group coordinator found while the broker restarts) would leave the group down
    // in a running process: it joins again with a new consumer (docs/faults.md).
    consumer.on(consumer.events.CRASH, (e) => {
      group.state = e.payload.restart ? 'starting' : 'crashed';
      if (!e.payload.restart && !this.closing) this.rejoinLater(sub, consumer, pipeline);
    });
    consumer.on(consumer.events.STOP, () => (group.state = 'stopped'));
    await consumer.connect();
    await consumer.subscribe({ topics: sub.topics.map((t) => this.ns + t), fromBeginning: true });
    this.pipelines.push(pipeline);
    await consumer.run({
      // Offsets are committed by the pipeline, for handled batches only, every commitIntervalMs
      // (not after every batch: a round trip each); a crash re-delivers at most that much,
      // which the idempotent handlers absorb.
      autoCommit: false,
      eachBatchAutoResolve: false,
      // kafkajs's own workers only accept batches into the pipeline, which handles them.
      partitionsConsumedConcurrently: this.concurrency,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const topic = batch.topic.slice(this.ns.length);
        const messages: BusMessage[] = batch.messages.map((m) => ({
          topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key ? m.key.toString() : null,
          value: m.value ?? Buffer.alloc(0),
          headers: headersOf(m.headers),
        }));
        const accepted = await pipeline.accept({
          topic: batch.topic,
          partition: batch.partition,
          firstOffset: batch.messages[0].offset,
          lastOffset: batch.messages[batch.messages.length - 1].offset,
          messages,
        });
        if (!accepted) return;
        // Read on from the next offset; the committed one moves only once the batch is handled.
        resolveOffset(batch.messages[batch.messages.length - 1].offset);
        await heartbeat();
      },
    });
    this.logger.log(`consumer group ${sub.groupId} running on ${sub.topics.join(', ')}`);
  }

  /** A crashed group's consumer replaced, after a pause, until one joins (or the bus closes). */
  private rejoinLater(sub: Subscription, crashed: Consumer, old: BatchPipeline<BusMessage> | undefined): void {
    const timer = setTimeout(async () => {
      if (this.closing) return;
      if (old) {
        await old.drain();
        this.pipelines.splice(this.pipelines.indexOf(old), 1);
      }
      this.consumers.splice(this.consumers.indexOf(crashed), 1);
      await crashed.disconnect().catch(() => undefined);
      try {
        this.logger.warn(`consumer group ${sub.groupId} crashed for good: joining again with a new consumer`);
        await this.subscribe(sub);
      } catch (e) {
        this.logger.error(`consumer group ${sub.groupId} could not join again: ${(e as Error).message}`);
        const consumer = this.consumers.at(-1);
        if (consumer && !this.closing) this.rejoinLater(sub, consumer, undefined);
      }
    }, REJOIN_DELAY_MS);
    timer.unref();
  }

  consumerStates(): Map<string, ConsumerState> {
    return new Map([...this.groups].map(([groupId, g]) => [groupId, g.state]));
  }

  /** Per group, topic and partition: the end offset minus the group's committed offset (the whole partition when none). */
  async consumerLag(): Promise<{ groupId: string; topic: string; partition: number; lag: number }[]> {
    if (this.groups.size === 0) return [];
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = new Map<string, Map<number, { high: string; low: string }>>();
      for (const topic of new Set([...this.groups.values()].flatMap((g) => g.topics))) {
        ends.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, { high: o.high, low: o.low }])));
      }
      const out: { groupId: string; topic: string; partition: number; lag: number }[] = [];
      for (const [groupId, g] of this.groups) {
        for (const { topic, partitions } of await admin.fetchOffsets({ groupId: this.ns + groupId, topics: g.topics })) {
          for (const { partition, offset } of partitions) {
            const end = ends.get(topic)?.get(partition);
            if (!end) continue;
            const committed = Number(offset) >= 0 ? Number(offset) : Number(end.low);
            out.push({ groupId, topic: topic.slice(this.ns.length), partition, lag: Math.max(0, Number(end.high) - committed) });
          }
        }
      }
      return out;
    } finally {
      await admin.disconnect();
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    // Batches accepted are handled and their offsets committed before the consumers leave; a
    // draining pipeline takes no more (eachBatch then leaves their offsets unresolved).
    await Promise.all(this.pipelines.map((p) => p.drain()));
    this.pipelines.length = 0;
    await Promise.all(this.consumers.map((c) => c.disconnect()));
    this.consumers.length = 0;
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  private async getProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: singlePartitionFirst });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }
}

/**
 * The default (murmur2, as Java's) partitioner, except that a one-partition topic (a partner's
 * inbox) needs no hash: a delivery batch spreads over hundreds of them, and the default one
 * hashes each key and filters the partition list for every message (docs/performance.md).
 */
export const singlePartitionFirst: ICustomPartitioner = () => {
  const byKey = Partitioners.DefaultPartitioner();
  return (args) => (args.partitionMetadata.length === 1 ? args.partitionMetadata[0].partitionId : byKey(args));
};
