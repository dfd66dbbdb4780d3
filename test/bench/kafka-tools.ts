import { Admin, Kafka, logLevel, Producer } from 'kafkajs';

export function benchKafka(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'pdp-bench', brokers, logLevel: logLevel.ERROR });
}

/** Creates topics, then waits until every partition has a leader (hundreds of topics at once lag the metadata). */
export async function createTopics(kafka: Kafka, topics: string[], partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: false, topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })) });
    for (let attempt = 0; ; attempt++) {
      try {
        const { topics: meta } = await admin.fetchTopicMetadata({ topics });
        if (meta.every((t) => t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0))) break;
      } catch (e) {
        if (!(e as { retriable?: boolean }).retriable) throw e;
      }
      if (attempt > 120) throw new Error('topics have no leaders after 60 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    // The metadata names a leader before the broker hosts the partition (KRaft applies hundreds of
    // creations with a lag): until then it answers "not the leader", and a producer backs off for
    // seconds. Partner topics exist long before traffic in production; here, wait until each
    // answers a read (ListOffsets goes to the partition's leader) so no phase measures that lag.
    for (const topic of topics) {
      for (let attempt = 0; ; attempt++) {
        try {
          await admin.fetchTopicOffsets(topic);
          break;
        } catch (e) {
          if (!(e as { retriable?: boolean }).retriable || attempt > 120) throw e;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Writes one probe record to each topic. The broker's first append to a partition costs it
 * ~20 ms of CPU (files opened and mapped, code paths compiled): a running hub's partner topics
 * have been written to before, so the phases measure the steady state, not ~380 first appends.
 * Partner consumers skip records that are not deliveries.
 */
export async function touchTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let i = 0; i < topics.length; i += 100) {
      await producer.sendBatch({ topicMessages: topics.slice(i, i + 100).map((topic) => ({ topic, messages: [{ key: 'bench-probe', value: '{"probe":true}' }] })) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Produces messages in large batches (what a partner reconnecting or a backfill looks like). */
export async function produceAll(producer: Producer, topic: string, messages: Iterable<{ key: string; value: string }>, batchSize = 1000): Promise<number> {
  let batch: { key: string; value: string }[] = [];
  let n = 0;
  const inFlight: Promise<unknown>[] = [];
  for (const m of messages) {
    batch.push(m);
    if (batch.length === batchSize) {
      inFlight.push(producer.send({ topic, messages: batch }));
      n += batch.length;
      batch = [];
      if (inFlight.length >= 4) await inFlight.shift();
    }
  }
  if (batch.length) {
    inFlight.push(producer.send({ topic, messages: batch }));
    n += batch.length;
  }
  await Promise.all(inFlight);
  return n;
}

/** Total messages a consumer group still has to consume on these topics. */
export async function groupLag(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  {
    let lag = 0;
    const committed = await admin.fetchOffsets({ groupId, topics });
    for (const t of committed) {
      const ends = await admin.fetchTopicOffsets(t.topic);
      for (const p of t.partitions) {
        const high = Number(ends.find((e) => e.partition === p.partition)?.high ?? 0);
        const done = Number(p.offset) < 0 ? 0 : Number(p.offset);
        lag += high - done;
      }
    }
    return lag;
  }
}

/**
 * Asks `check` on one admin connection every `everyMs` (the bench must not load the broker
 * itself) until it answers true; after `timeoutMs`, throws with its last answer.
 */
async function pollAdmin(kafka: Kafka, everyMs: number, timeoutMs: number, check: (admin: Admin) => Promise<true | string>): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await check(admin);
      if (answer === true) return;
      if (Date.now() > deadline) throw new Error(`${answer} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Waits until the consumer groups have consumed everything on their topics. */
export function waitForZeroLag(kafka: Kafka, groups: { groupId: string; topics: string[] }[], timeoutMs: number): Promise<void> {
  return pollAdmin(kafka, 500, timeoutMs, async (admin) => {
    let total = 0;
    for (const g of groups) total += await groupLag(admin, g.groupId, g.topics);
    return total === 0 || `lag still ${total}`;
  });
}

/** Waits until a consumer group has committed at least `count` messages of these topics. */
export function waitForConsumed(kafka: Kafka, groupId: string, topics: string[], count: number, timeoutMs: number): Promise<void> {
  return pollAdmin(kafka, 200, timeoutMs, async (admin) => {
    let done = 0;
    for (const t of await admin.fetchOffsets({ groupId, topics })) for (const p of t.partitions) done += Math.max(0, Number(p.offset));
    return done >= count || `${groupId} committed ${done} of ${count}`;
  });
}

/** Waits until every consumer group has members and is Stable (joined, partitions assigned). */
export function waitForStableGroups(kafka: Kafka, groupIds: string[], timeoutMs: number): Promise<void> {
  return pollAdmin(kafka, 250, timeoutMs, async (admin) => {
    const { groups } = await admin.describeGroups(groupIds);
    return groups.every((g) => g.state === 'Stable' && g.members.length > 0) || `consumer groups not stable: ${groups.map((g) => `${g.groupId}=${g.state}`).join(', ')}`;
  });
}

/** Deletes every topic of a namespace (a finished bench phase), so phases do not pile up partitions. */
export async function deleteNamespace(kafka: Kafka, namespace: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(namespace));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}

/** The `idempotency-key` header of every record on these topics, read from the start until `expected` are read (then 2 s more, for any copy). */
export async function idempotencyKeysOn(kafka: Kafka, groupId: string, topics: string[], expected: number, timeoutMs = 120_000): Promise<string[]> {
  const keys: string[] = [];
  // A record is counted once however often this reader gets it: a rebalance of its new group
  // before it commits hands the partitions out again from the start. A duplicate is a key at two
  // offsets, not one record read twice.
  const read = new Set<string>();
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${keys.length} of ${expected} records read`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          const at = `${topic}|${partition}|${message.offset}`;
          if (read.has(at)) return;
          read.add(at);
          keys.push(String(message.headers?.['idempotency-key']));
          if (keys.length === expected) {
            clearTimeout(timer);
            setTimeout(resolve, 2_000);
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return keys;
}
