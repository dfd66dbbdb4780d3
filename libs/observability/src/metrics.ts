import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus metrics (docs/operations.md, "Metrics"). Labels name topics,
 * consumer groups, stages, routes and partners: never a message id, a pseudonym or anything
 * about a person, so that every series stays bounded.
 */
export class HubMetrics {
  readonly registry = new Registry();
  readonly published = new Counter({ name: 'pdp_messages_published_total', help: 'Messages published, by topic', labelNames: ['topic'], registers: [this.registry] });
  readonly consumed = new Counter({ name: 'pdp_messages_consumed_total', help: 'Messages handled by a consumer group, by topic', labelNames: ['group', 'topic'], registers: [this.registry] });
  readonly batchSeconds = new Histogram({
    name: 'pdp_batch_duration_seconds',
    help: "Time a consumer group's handler took over a batch",
    labelNames: ['group', 'topic'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly batchFailures = new Counter({
    name: 'pdp_batch_failures_total',
    help: 'Batches whose handler failed (retried, or isolated then dead-lettered)',
    labelNames: ['group', 'topic'],
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({ name: 'pdp_dead_letters_total', help: 'Messages dead-lettered, by stage and source topic', labelNames: ['stage', 'topic'], registers: [this.registry] });
  readonly erasures = new Counter({
    name: 'pdp_erasures_total',
    help: 'Persons erased (identity and person-level rows removed), at their request or at the end of their retention',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly deadLettersReplayed = new Counter({
    name: 'pdp_dead_letters_replayed_total',
    help: 'Dead letters put back on their topic by an operator, by stage and source topic',
    labelNames: ['stage', 'topic'],
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'pdp_http_requests_total',
    help: 'HTTP requests, by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly httpSeconds = new Histogram({
    name: 'pdp_http_request_duration_seconds',
    help: 'HTTP request duration, by method and route template',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly fhirFailures = new Counter({ name: 'pdp_fhir_delivery_failures_total', help: "Deliveries a partner's FHIR endpoint did not take", labelNames: ['partner'], registers: [this.registry] });
  readonly intakesShed = new Counter({ name: 'pdp_http_intakes_shed_total', help: 'Intake requests answered 429 because HTTP_MAX_IN_FLIGHT_INTAKES were being handled', registers: [this.registry] });
  readonly webhookCalls = new Counter({
    name: 'pdp_webhook_calls_total',
    help: 'Webhook calls to partners, by outcome (delivered: a 2xx; failed: another status, a timeout or a network error)',
    labelNames: ['partner', 'outcome'],
    registers: [this.registry],
  });
  readonly webhooksParked = new Counter({
    name: 'pdp_webhook_events_parked_total',
    help: 'Webhook events no longer retried after WEBHOOK_MAX_ATTEMPTS failed calls (ops may replay them)',
    labelNames: ['partner'],
    registers: [this.registry],
  });
  readonly fhirGivenUp = new Counter({
    name: 'pdp_fhir_delivery_given_up_total',
    help: 'FHIR copies no longer retried after FHIR_RETRY_MAX_ATTEMPTS failures (ops may push them again)',
    labelNames: ['partner'],
    registers: [this.registry],
  });

  /** Consumer lag: messages on each partition not yet handled by the group. */
  readonly consumerLag = this.scraped('pdp_consumer_lag', 'Messages not yet handled by a consumer group, by topic and partition', ['group', 'topic', 'partition']);
  /** 1 while a consumer group has joined and not crashed, 0 otherwise. */
  readonly consumerUp = this.scraped('pdp_consumer_up', 'Whether a consumer group has joined and not crashed (1) or not (0)', ['group']);
  readonly inboxBacklog = this.scraped('pdp_inbox_unacknowledged_items', "Items in a partner's inbox not yet acknowledged", ['partner']);
  readonly inboxOldest = this.scraped('pdp_inbox_oldest_unacknowledged_seconds', 'Age of the oldest item a partner has not acknowledged', ['partner']);

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'pdp_' });
  }

  /**
   * A gauge read when Prometheus scrapes, from the sources the running apps register (an app
   * adds its own on start and removes it on close: tests run several apps in one process).
   */
  private scraped(name: string, help: string, labelNames: string[]): ScrapedGauge {
    const sources = new Set<GaugeSource>();
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const source of sources) await source((labels, value) => this.set(labels, value)).catch(() => undefined);
      },
    });
    return {
      add: (source) => {
        sources.add(source);
        return () => sources.delete(source);
      },
    };
  }
}

export type GaugeSource = (set: (labels: Record<string, string | number>, value: number) => void) => Promise<void>;

export interface ScrapedGauge {
  /** Adds a source of values; the function returned removes it. */
  add(source: GaugeSource): () => void;
}

/** One registry per process: the bus, the dead-letter sink and the HTTP layer count into it. */
export const hubMetrics = new HubMetrics();
