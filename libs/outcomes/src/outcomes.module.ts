import { Module } from '@nestjs/common';
import { ContractRegistry } from '@pdp/contracts';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { Database, DATABASE } from '@pdp/db';
import { MESSAGE_BUS, MessageBus } from '@pdp/bus';
import { Pseudonymizer } from '@pdp/domain';
import { Clock, CLOCK } from '@pdp/platform';
import { DeadLetterSink } from '@pdp/dead-letters';
import { AuditModule } from '@pdp/audit';
import { FollowUpService } from './follow-ups';
import { OutcomeIntake } from './intake';
import { OutcomeProcessor } from './processor';
import { createOutcomeServices, OUTCOME_SERVICES, OutcomeServices } from './services';
import { MetricsController } from './http/metrics.controller';
import { OutcomesController } from './http/outcomes.controller';
import { OutcomesConsumerController } from './consumers/outcomes.controller';
import { MetricsPublishLoop } from './consumers/publish-loop';

/**
 * Outcome reports (validate → pseudonymise → outcome log → deduplicated aggregates →
 * follow-ups) and the harmonised metrics read from them. Needs PlatformModule, PartnersModule
 * and DeadLettersModule.
 */
@Module({
  providers: [
    {
      provide: OUTCOME_SERVICES,
      inject: [DATABASE, MESSAGE_BUS, ContractRegistry, Pseudonymizer, DeadLetterSink, HUB_CONFIG, CLOCK],
      useFactory: (db: Database, bus: MessageBus, contracts: ContractRegistry, pseudonymizer: Pseudonymizer, deadLetters: DeadLetterSink, config: HubConfig, clock: Clock) =>
        createOutcomeServices({ db, bus, contracts, pseudonymizer, deadLetters, clock, config: config.metrics }),
    },
    { provide: OutcomeIntake, inject: [OUTCOME_SERVICES], useFactory: (s: OutcomeServices) => s.intake },
    { provide: OutcomeProcessor, inject: [OUTCOME_SERVICES], useFactory: (s: OutcomeServices) => s.processor },
    { provide: FollowUpService, inject: [OUTCOME_SERVICES], useFactory: (s: OutcomeServices) => s.followUps },
  ],
  exports: [OUTCOME_SERVICES, OutcomeIntake, OutcomeProcessor, FollowUpService],
})
export class OutcomesModule {}

/** The flow's HTTP face: outcome reports in, the partner's follow-ups, the metrics (analysts, ops; their actions audited). */
@Module({ imports: [OutcomesModule, AuditModule], controllers: [MetricsController, OutcomesController] })
export class OutcomesHttpModule {}

/** The metrics consumer group (pdp-metrics): outcome reports off the bus, and the periodic snapshots. */
@Module({ imports: [OutcomesModule], controllers: [OutcomesConsumerController], providers: [MetricsPublishLoop] })
export class OutcomesConsumerModule {}
