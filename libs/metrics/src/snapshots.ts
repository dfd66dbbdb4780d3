import { randomUUID } from 'crypto';
import { MetricsSnapshot, Topics } from '@pdp/contracts';
import { jsonMessage, MessageBus } from '@pdp/bus';
import { MetricTable } from './table';

/**
 * Publishes masked tables on the metrics topic (keyed by metric and dimensions, so a compacted
 * topic would keep the latest of each). Only what the HTTP API shows is ever published.
 */
export class MetricsPublisher {
  constructor(
    private readonly bus: MessageBus,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async publish(tables: MetricTable[]): Promise<MetricsSnapshot[]> {
    const snapshots: MetricsSnapshot[] = tables.map((t) => ({
      schemaVersion: 'metrics-snapshot/1',
      snapshotId: randomUUID(),
      metric: t.metric,
      period: t.period,
      by: t.by,
      threshold: t.threshold,
      generatedAt: this.clock().toISOString(),
      rows: t.rows,
      total: t.total,
    }));
    await this.bus.publish(
      Topics.metrics,
      snapshots.map((s) => jsonMessage(`${s.metric}:${s.period}:${s.by.join(',')}`, s)),
    );
    return snapshots;
  }
}
