import { Logger } from '@nestjs/common';
import { ContractRegistry } from '@pdp/contracts';
import { InMemoryBus, KafkaBus, MessageBus } from '@pdp/bus';
import { Database, migrate, PgDatabase, PgliteDatabase } from '@pdp/db';
import { Pseudonymizer } from '@pdp/domain';
import { HubConfig } from '@pdp/config';
import { AdhesionDirectory, PartnerRegistry } from '@pdp/partners';
import { CaseRouter, hubTopics, LeaveIntake, LeaveNormalizer, MessageTracker } from '@pdp/sick-leave';
import { DeadLetterSink } from '@pdp/dead-letters';
import { InboxService } from '@pdp/inbox';
import { loadMetricsConfig, MetricsConfig } from '@pdp/metrics';
import { createOutcomeServices, OutcomeServices } from '@pdp/outcomes';
import { Signalements, signalementFiles } from '@pdp/signalements';

/** Everything an app of the hub is made of; only the adapters (bus, db) differ between modes. */
export interface HubRuntime {
  config: HubConfig;
  db: Database;
  bus: MessageBus;
  contracts: ContractRegistry;
  deadLetters: DeadLetterSink;
  directory: AdhesionDirectory;
  partners: PartnerRegistry;
  inbox: InboxService;
  tracker: MessageTracker;
  intake: LeaveIntake;
  normalizer: LeaveNormalizer;
  router: CaseRouter;
  /** Outcome reports, follow-ups and the harmonised metrics (issue 4). */
  outcomes: OutcomeServices;
  /** Signalements, consent, chef de file, audit, return flow (issue 3). */
  signalements: Signalements;
  close(): Promise<void>;
}

export const HUB_RUNTIME = Symbol('HUB_RUNTIME');

export interface RuntimeAdapters {
  db?: Database;
  bus?: MessageBus;
  clock?: () => Date;
  /** Overrides of the metrics settings (otherwise read from the environment). */
  metrics?: Partial<MetricsConfig>;
}

/** Builds adapters from configuration, migrates the database and creates the fixed topics. */
export async function createRuntime(config: HubConfig, adapters: RuntimeAdapters = {}): Promise<HubRuntime> {
  const logger = new Logger('Runtime');
  const db = adapters.db ?? (config.mode === 'embedded' ? new PgliteDatabase(config.embeddedDataDir) : new PgDatabase(config.databaseUrl!));
  const bus = adapters.bus ?? (config.mode === 'embedded' ? new InMemoryBus() : new KafkaBus({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, namespace: config.kafka.namespace, partitionsConsumedConcurrently: config.kafka.partitionsConsumedConcurrently, fetchMinBytes: config.kafka.fetchMinBytes, fetchMaxWaitMs: config.kafka.fetchMaxWaitMs, fetchMaxBytesPerPartition: config.kafka.fetchMaxBytesPerPartition, commitIntervalMs: config.kafka.commitIntervalMs }));
  const applied = await migrate(db);
  if (applied.length) logger.log(`applied migrations: ${applied.join(', ')}`);
  await bus.ensureTopics(hubTopics(config.kafka.partitions));

  const clock = adapters.clock ?? (() => new Date());
  const contracts = new ContractRegistry();
  const deadLetters = new DeadLetterSink(db, bus, clock);
  const directory = new AdhesionDirectory(db, bus);
  const pseudonymizer = new Pseudonymizer(config.pseudonymKey);
  const partners = new PartnerRegistry(db);
  const signalements = await Signalements.create({ db, bus, contracts, pseudonymizer, deadLetters, partners, directory, partitions: config.kafka.partitions, clock, ...signalementFiles(process.env) });
  const router = new CaseRouter({ db, bus, contracts, directory, deadLetters, partitions: config.kafka.partitions, clock, onDelivered: (d, tx) => signalements.sickLeaveAudit.recordSickLeaveDeliveries(d, tx) });
  return {
    config,
    db,
    bus,
    contracts,
    deadLetters,
    directory,
    partners,
    inbox: new InboxService(db),
    tracker: new MessageTracker(db),
    intake: new LeaveIntake(bus, contracts, clock),
    normalizer: new LeaveNormalizer({ db, bus, contracts, pseudonymizer, deadLetters, router, transitionalPhase: config.transitionalPhase, clock }),
    signalements,
    router,
    outcomes: createOutcomeServices({ db, bus, contracts, pseudonymizer, deadLetters, clock, config: loadMetricsConfig(process.env, adapters.metrics) }),
    async close() {
      await bus.close();
      await db.close();
    },
  };
}
