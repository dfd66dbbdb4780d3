import { hubMetrics, HubMetrics } from '@pdp/observability';
import { hasTraceToContinue, startMessageSpans, traceHeaders } from '@pdp/telemetry';
import { BusMessage, MessageBus, OutgoingMessage, Subscription, TopicSpec } from './bus';

/** Where a consumer group stands, for readiness and the pdp_consumer_up gauge. */
export type ConsumerState = 'starting' | 'joined' | 'crashed' | 'stopped';

/** A transport that can tell its consumer groups' states and lag (Kafka; the in-process bus has no lag). */
export interface ObservableBus {
  consumerStates(): Map<string, ConsumerState>;
  consumerLag(): Promise<{ groupId: string; topic: string; partition: number; lag: number }[]>;
}

export function isObservable(bus: MessageBus): bus is MessageBus & ObservableBus {
  return typeof (bus as Partial<ObservableBus>).consumerStates === 'function';
}

/**
 * Counts what goes through the bus (docs/operations.md, "Metrics"): messages published per
 * topic; per consumer group, messages handled, batch durations and failed batches. Topics are
 * the hub's names, without the deployment's namespace. It also carries each message's trace
 * from stage to stage: a span per consumed message, and the trace context in the headers of what
 * is published (docs/operations.md, "Traces").
 */
export class InstrumentedBus implements MessageBus, ObservableBus {
  private readonly removeSources: (() => void)[] = [];

  constructor(
    readonly inner: MessageBus,
    private readonly metrics: HubMetrics = hubMetrics,
  ) {
    this.removeSources.push(
      metrics.consumerUp.add(async (set) => {
        for (const [group, state] of this.consumerStates()) set({ group }, state === 'joined' ? 1 : 0);
      }),
      metrics.consumerLag.add(async (set) => {
        for (const l of await this.consumerLag()) set({ group: l.groupId, topic: l.topic, partition: l.partition }, l.lag);
      }),
    );
  }

  ensureTopics(specs: TopicSpec[]): Promise<void> {
    return this.inner.ensureTopics(specs);
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    await this.inner.publish(topic, withTrace(messages));
    if (messages.length) this.metrics.published.inc({ topic }, messages.length);
  }

  async publishMany(batches: { topic: string; messages: OutgoingMessage[] }[]): Promise<void> {
    await this.inner.publishMany(batches.map((b) => ({ topic: b.topic, messages: withTrace(b.messages) })));
    for (const b of batches) if (b.messages.length) this.metrics.published.inc({ topic: b.topic }, b.messages.length);
  }

  subscribe(sub: Subscription): Promise<void> {
    const { groupId } = sub;
    return this.inner.subscribe({
      ...sub,
      handle: async (messages: BusMessage[]) => {
        const topic = messages[0]?.topic ?? '';
        const end = this.metrics.batchSeconds.startTimer({ group: groupId, topic });
        const spans = startMessageSpans(groupId, messages);
        try {
          await sub.handle(messages);
          this.metrics.consumed.inc({ group: groupId, topic }, messages.length);
          spans.end();
        } catch (e) {
          this.metrics.batchFailures.inc({ group: groupId, topic });
          spans.end(e);
          throw e;
        } finally {
          end();
        }
      },
    });
  }

  consumerStates(): Map<string, ConsumerState> {
    return isObservable(this.inner) ? this.inner.consumerStates() : new Map();
  }

  consumerLag(): ReturnType<ObservableBus['consumerLag']> {
    return isObservable(this.inner) ? this.inner.consumerLag() : Promise.resolve([]);
  }

  async close(): Promise<void> {
    this.removeSources.forEach((remove) => remove());
    await this.inner.close();
  }
}

/** The messages with the trace context of what they were derived from (unchanged when there is none). */
function withTrace(messages: OutgoingMessage[]): OutgoingMessage[] {
  if (!hasTraceToContinue()) return messages;
  return messages.map((m) => {
    const headers = traceHeaders(m.value, m.headers);
    return headers === m.headers ? m : { ...m, headers };
  });
}
