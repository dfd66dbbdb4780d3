import { MetricsSnapshot } from '@pdp/contracts';
import { MetricTable } from '@pdp/metrics';
import { OutcomeServices } from './services';

/**
 * The tables published on the metrics topic on every tick of the metrics app, after a rebuild
 * and on demand: national and regional maintiens, their overlap between categories, outcomes.
 */
export async function publishStandardSnapshots(s: OutcomeServices): Promise<MetricsSnapshot[]> {
  const tables: MetricTable[] = [
    await s.queries.maintiens({ period: 'quarter', by: [] }),
    await s.queries.maintiens({ period: 'quarter', by: ['region'] }),
    await s.queries.maintiens({ period: 'quarter', by: ['category'] }),
    await s.queries.overlap({ period: 'year', by: [], level: 'category', scope: 'maintien' }),
    await s.queries.outcomes({ period: 'quarter', by: ['outcome'] }),
  ];
  return s.publisher.publish(tables);
}
