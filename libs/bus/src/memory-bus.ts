import { Logger } from '@nestjs/common';
import { BusMessage, MessageBus, OutgoingMessage, Subscription, TopicSpec } from './bus';
import type { ConsumerState, ObservableBus } from './instrumented-bus';
import type { BusJournal } from './bus-journal';

interface Group {
  sub: Subscription;
  offsets: Map<string, number>;
  running: Promise<void> | null;
  again: boolean;
}

/**
 * In-process transport for the embedded hub: an append-only log per topic (one partition) and
 * consumer groups with offsets, delivered asynchronously like Kafka. Failed batches are retried.
 * With a journal, the log and the groups' offsets are also on disk: a publish resolves once its
 * records are synced, and a new bus on the same journal resumes every group where it stopped.
 */
export class InMemoryBus implements MessageBus, ObservableBus {
  private readonly log = new Map<string, BusMessage[]>();
  private readonly groups: Group[] = [];
  private readonly logger = new Logger('InMemoryBus');
  private closed = false;

  constructor(private readonly journal?: BusJournal) {
    if (journal) for (const [topic, records] of journal.records()) this.log.set(topic, records);
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    for (const s of specs) if (!this.log.has(s.topic)) this.log.set(s.topic, []);
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const log = this.log.get(topic);
    if (!log) throw new Error(`topic ${topic} does not exist`);
    const records: BusMessage[] = messages.map((m, i) => ({
      topic,
      partition: 0,
      offset: String(log.length + i),
      key: m.key,
      // A tombstone is an empty record here (the in-process bus keeps no compacted log).
      value: m.value === null ? Buffer.alloc(0) : Buffer.isBuffer(m.value) ? m.value : Buffer.from(m.value),
      headers: m.headers ?? {},
    }));
    // On disk first: what a caller was told is published is there after a crash.
    this.journal?.append(records);
    for (const r of records) log.push(r);
    this.groups.filter((g) => g.sub.topics.includes(topic)).forEach((g) => this.kick(g));
  }

  async publishMany(batches: { topic: string; messages: OutgoingMessage[] }[]): Promise<void> {
    for (const b of batches) await this.publish(b.topic, b.messages);
  }

  async subscribe(sub: Subscription): Promise<void> {
    for (const t of sub.topics) if (!this.log.has(t)) throw new Error(`topic ${t} does not exist`);
    const group: Group = { sub, offsets: this.journal?.offsets(sub.groupId) ?? new Map(), running: null, again: false };
    this.groups.push(group);
    this.kick(group);
  }

  /** Messages published to a topic so far (ops and tests: everything can be found). */
  messages(topic: string): readonly BusMessage[] {
    return this.log.get(topic) ?? [];
  }

  topics(): string[] {
    return [...this.log.keys()];
  }

  /** An in-process group is running from the moment it subscribes, until the bus closes. */
  consumerStates(): Map<string, ConsumerState> {
    return new Map(this.groups.map((g) => [g.sub.groupId, this.closed ? 'stopped' : 'joined']));
  }

  /** The in-process log's messages a group has not handled yet, per topic (one partition). */
  async consumerLag(): Promise<{ groupId: string; topic: string; partition: number; lag: number }[]> {
    return this.groups.flatMap((g) => g.sub.topics.map((topic) => ({ groupId: g.sub.groupId, topic, partition: 0, lag: this.log.get(topic)!.length - (g.offsets.get(topic) ?? 0) })));
  }

  /** Resolves once every consumer group has consumed everything published so far. */
  async idle(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      const busy = this.groups.filter((g) => g.running || this.pending(g) > 0);
      if (busy.length === 0) return;
      await Promise.all(busy.map((g) => g.running ?? Promise.resolve()));
      await new Promise((r) => setImmediate(r));
    }
    throw new Error('in-memory bus did not settle');
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.groups.map((g) => g.running));
    this.journal?.close();
  }

  private pending(g: Group): number {
    return g.sub.topics.reduce((n, t) => n + (this.log.get(t)!.length - (g.offsets.get(t) ?? 0)), 0);
  }

  private kick(g: Group): void {
    if (this.closed) return;
    if (g.running) {
      g.again = true;
      return;
    }
    g.running = this.drain(g).finally(() => {
      g.running = null;
      if (g.again) {
        g.again = false;
        this.kick(g);
      }
    });
  }

  private async drain(g: Group): Promise<void> {
    await new Promise((r) => setImmediate(r));
    while (!this.closed && this.pending(g) > 0) {
      for (const topic of g.sub.topics) {
        const log = this.log.get(topic)!;
        const from = g.offsets.get(topic) ?? 0;
        if (from >= log.length) continue;
        const batch = log.slice(from, Math.min(log.length, from + 500));
        try {
          await g.sub.handle(batch);
          g.offsets.set(topic, from + batch.length);
          this.journal?.commit(g.sub.groupId, topic, from + batch.length);
        } catch (e) {
          this.logger.error(`group ${g.sub.groupId} failed on ${topic}, retrying: ${(e as Error).message}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
  }
}
