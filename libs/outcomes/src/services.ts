import { ContractRegistry } from '@pdp/contracts';
import { MessageBus } from '@pdp/bus';
import { Database } from '@pdp/db';
import { Pseudonymizer } from '@pdp/domain';
import { DeadLetterSink } from '@pdp/dead-letters';
import { MetricsConfig } from '@pdp/config';
import { MetricsPublisher, OrientationMetricQueries, OutcomeMetricQueries, OutcomeMetricsStore } from '@pdp/metrics';
import { FollowUpService } from './follow-ups';
import { OutcomeIntake } from './intake';
import { OutcomeProcessor } from './processor';

/** The outcome flow and the harmonised metrics, as the runtime composes them. */
export interface OutcomeServices {
  config: MetricsConfig;
  intake: OutcomeIntake;
  processor: OutcomeProcessor;
  store: OutcomeMetricsStore;
  followUps: FollowUpService;
  queries: OutcomeMetricQueries;
  orientations: OrientationMetricQueries;
  publisher: MetricsPublisher;
}

export interface OutcomeServiceDeps {
  db: Database;
  bus: MessageBus;
  contracts: ContractRegistry;
  pseudonymizer: Pseudonymizer;
  deadLetters: DeadLetterSink;
  config: MetricsConfig;
  clock: () => Date;
}

export function createOutcomeServices(d: OutcomeServiceDeps): OutcomeServices {
  const store = new OutcomeMetricsStore(d.db, { gapDays: d.config.dedupGapDays });
  const followUps = new FollowUpService(d.db, d.bus, { gapDays: d.config.dedupGapDays, graceDays: d.config.followUpGraceDays }, d.clock);
  return {
    config: d.config,
    intake: new OutcomeIntake(d.bus, d.contracts, d.clock),
    processor: new OutcomeProcessor({ db: d.db, contracts: d.contracts, pseudonymizer: d.pseudonymizer, deadLetters: d.deadLetters, store, followUps, clock: d.clock }),
    store,
    followUps,
    queries: new OutcomeMetricQueries(d.db, d.config.maskThreshold),
    orientations: new OrientationMetricQueries(d.db, d.config.maskThreshold),
    publisher: new MetricsPublisher(d.bus, d.clock),
  };
}

/** The token of the flow's services as one bundle (the snapshot publisher and the rebuild use several). */
export const OUTCOME_SERVICES = Symbol('OutcomeServices');
