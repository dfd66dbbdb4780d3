import { DynamicModule, Module } from '@nestjs/common';
import { ContractRegistry } from '@pdp/contracts';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { Database, DATABASE } from '@pdp/db';
import { BatchHandler, MESSAGE_BUS, MessageBus } from '@pdp/bus';
import { Pseudonymizer } from '@pdp/domain';
import { Clock, CLOCK } from '@pdp/platform';
import { AuditTrail } from '@pdp/audit';
import { RuleSet } from '@pdp/routing-rules';
import { DeadLetterSink } from '@pdp/dead-letters';
import { AdhesionDirectory, PartnerIdentitySealer } from '@pdp/partners';
import { IdentityVault } from '@pdp/identity';
import { LeaveIntake } from './intake';
import { LeaveNormalizer } from './normalizer';
import { CaseRouter } from './router';
import { SickLeaveAudit } from './sick-leave-audit';
import { MessageTracker } from './tracking';
import { IntakeController } from './http/intake.controller';
import { LEAVE_BATCHES, NormalizerController } from './consumers/normalizer.controller';
import { RouterController } from './consumers/router.controller';

/**
 * The sick-leave flow's services: intake (HTTP), normalizer → router (one transaction per
 * batch), the audit of its deliveries, and the message tracker. Needs PlatformModule,
 * PartnersModule, DeadLettersModule, AuditModule, RoutingRulesModule and IdentityModule.
 */
@Module({
  providers: [
    { provide: LeaveIntake, inject: [MESSAGE_BUS, ContractRegistry, CLOCK], useFactory: (bus: MessageBus, contracts: ContractRegistry, clock: Clock) => new LeaveIntake(bus, contracts, clock) },
    { provide: SickLeaveAudit, inject: [DATABASE, AuditTrail, RuleSet], useFactory: (db: Database, audit: AuditTrail, rules: RuleSet) => new SickLeaveAudit(db, audit, rules) },
    {
      provide: CaseRouter,
      inject: [DATABASE, MESSAGE_BUS, ContractRegistry, AdhesionDirectory, DeadLetterSink, HUB_CONFIG, CLOCK, SickLeaveAudit, PartnerIdentitySealer],
      useFactory: (
        db: Database,
        bus: MessageBus,
        contracts: ContractRegistry,
        directory: AdhesionDirectory,
        deadLetters: DeadLetterSink,
        config: HubConfig,
        clock: Clock,
        audit: SickLeaveAudit,
        identitySealer: PartnerIdentitySealer,
      ) => new CaseRouter({ db, bus, contracts, directory, deadLetters, partitions: config.kafka.partitions, clock, onDelivered: (d, tx) => audit.recordSickLeaveDeliveries(d, tx), identitySealer }),
    },
    {
      provide: LeaveNormalizer,
      inject: [DATABASE, MESSAGE_BUS, ContractRegistry, Pseudonymizer, DeadLetterSink, CaseRouter, HUB_CONFIG, CLOCK, IdentityVault],
      useFactory: (
        db: Database,
        bus: MessageBus,
        contracts: ContractRegistry,
        pseudonymizer: Pseudonymizer,
        deadLetters: DeadLetterSink,
        router: CaseRouter,
        config: HubConfig,
        clock: Clock,
        identities: IdentityVault,
      ) => new LeaveNormalizer({ db, bus, contracts, pseudonymizer, deadLetters, router, transitionalPhase: config.transitionalPhase, clock, identities }),
    },
    { provide: MessageTracker, inject: [DATABASE], useFactory: (db: Database) => new MessageTracker(db) },
  ],
  exports: [LeaveIntake, LeaveNormalizer, CaseRouter, SickLeaveAudit, MessageTracker],
})
export class SickLeaveModule {}

/** The flow's HTTP face: intake for senders without Kafka, and where a message ended (ops). */
@Module({ imports: [SickLeaveModule], controllers: [IntakeController] })
export class SickLeaveHttpModule {}

/** The normalizer's consumer group (pdp-normalizer): inbound notifications and declarations. */
@Module({ imports: [SickLeaveModule], controllers: [NormalizerController] })
export class SickLeaveNormalizerModule {
  /** The normalizer with its batches handled elsewhere (the service's handler threads). */
  static handledBy(handle: BatchHandler): DynamicModule {
    return { module: SickLeaveNormalizerModule, providers: [{ provide: LEAVE_BATCHES, useValue: handle }] };
  }
}

/** The router's consumer group (pdp-router): case events released from parking, routed again. */
@Module({ imports: [SickLeaveModule], controllers: [RouterController] })
export class SickLeaveRouterModule {}
