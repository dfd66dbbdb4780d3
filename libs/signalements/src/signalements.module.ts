import { Module } from '@nestjs/common';
import { ContractRegistry } from '@pdp/contracts';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { Database, DATABASE } from '@pdp/db';
import { MESSAGE_BUS, MessageBus } from '@pdp/bus';
import { Pseudonymizer } from '@pdp/domain';
import { Clock, CLOCK } from '@pdp/platform';
import { AuditTrail } from '@pdp/audit';
import { RuleSet } from '@pdp/routing-rules';
import { IdentityVault } from '@pdp/identity';
import { DeadLetterSink } from '@pdp/dead-letters';
import { AdhesionDirectory, PartnerIdentitySealer, PartnerRegistry } from '@pdp/partners';
import { Signalements } from './signalements';
import { SignalementsController } from './http/signalements.controller';
import { ConsentController } from './http/consent.controller';
import { CasesController } from './http/cases.controller';
import { SignalementsAdminController } from './http/signalements-admin.controller';
import { SignalementsConsumerController } from './consumers/signalements.controller';
import { FhirRetries } from './fhir-retries';

/**
 * The signalement flow (validate → consent → route by the rules → chef de file → deliver) and
 * the SPSTI's return flow. Needs PlatformModule, PartnersModule, DeadLettersModule, AuditModule
 * and RoutingRulesModule.
 */
@Module({
  providers: [
    {
      provide: Signalements,
      inject: [
        DATABASE,
        MESSAGE_BUS,
        ContractRegistry,
        Pseudonymizer,
        DeadLetterSink,
        PartnerRegistry,
        AdhesionDirectory,
        RuleSet,
        AuditTrail,
        HUB_CONFIG,
        CLOCK,
        IdentityVault,
        PartnerIdentitySealer,
      ],
      useFactory: (
        db: Database,
        bus: MessageBus,
        contracts: ContractRegistry,
        pseudonymizer: Pseudonymizer,
        deadLetters: DeadLetterSink,
        partners: PartnerRegistry,
        directory: AdhesionDirectory,
        rules: RuleSet,
        audit: AuditTrail,
        config: HubConfig,
        clock: Clock,
        identities: IdentityVault,
        identitySealer: PartnerIdentitySealer,
      ) =>
        Signalements.create({
          db,
          bus,
          contracts,
          pseudonymizer,
          deadLetters,
          partners,
          directory,
          rules,
          audit,
          partitions: config.kafka.partitions,
          clock,
          identities,
          identitySealer,
          allowPrivatePartnerUrls: config.access.allowPrivatePartnerUrls,
          fhirRetry: config.fhirRetry,
        }),
    },
  ],
  exports: [Signalements],
})
export class SignalementsModule {}

/** The flow's HTTP face: signalements and reports in, status, consent, case timelines, operators' views. */
@Module({ imports: [SignalementsModule], controllers: [SignalementsController, ConsentController, CasesController, SignalementsAdminController] })
export class SignalementsHttpModule {}

/** The signalements consumer group (pdp-signalements): signalements and accompaniment reports off the bus, and the FHIR copies' retries. */
@Module({ imports: [SignalementsModule], controllers: [SignalementsConsumerController], providers: [FhirRetries] })
export class SignalementsConsumerModule {}
