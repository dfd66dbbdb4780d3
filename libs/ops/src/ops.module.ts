import { Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AuditTrail } from '@pdp/audit';
import { MESSAGE_BUS, MessageBus } from '@pdp/bus';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { Database, DATABASE } from '@pdp/db';
import { DeadLetterReplay } from '@pdp/dead-letters';
import { IdentityKeyring } from '@pdp/identity';
import { Clock, CLOCK } from '@pdp/platform';
import { OpsController } from './http/ops.controller';
import { OpsService } from './ops';

const HOUR_MS = 3_600_000;

/** The dead letters' retention, every hour while the app runs (and on demand: POST /v1/ops/retention/sweep). */
@Injectable()
export class RetentionSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Retention');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ops: OpsService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), HOUR_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async sweep(): Promise<void> {
    try {
      const r = await this.ops.sweepDeadLetters(this.config.retention.deadLetterDays, this.clock());
      if (r.purged || r.resealed) this.logger.log(`dead letters: ${r.purged} past their retention removed, ${r.resealed} sealed with the active key`);
    } catch (e) {
      this.logger.warn(`retention sweep failed: ${(e as Error).message}`);
    }
  }
}

/** The operators' lists, traces, dead-letter replay and retention over HTTP. Needs PlatformModule, AuditModule and IdentityModule. */
@Module({
  providers: [
    {
      provide: OpsService,
      inject: [DATABASE, MESSAGE_BUS, AuditTrail, IdentityKeyring, CLOCK],
      useFactory: (db: Database, bus: MessageBus, audit: AuditTrail, keyring: IdentityKeyring, clock: Clock) => new OpsService(db, new DeadLetterReplay(db, bus, audit, keyring, clock), keyring),
    },
    RetentionSweeper,
  ],
  controllers: [OpsController],
})
export class OpsHttpModule {}
