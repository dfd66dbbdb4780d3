import { Module } from '@nestjs/common';
import { AuditTrail } from '@pdp/audit';
import { MESSAGE_BUS, MessageBus } from '@pdp/bus';
import { Database, DATABASE } from '@pdp/db';
import { DeadLetterReplay } from '@pdp/dead-letters';
import { IdentityKeyring } from '@pdp/identity';
import { Clock, CLOCK } from '@pdp/platform';
import { OpsController } from './http/ops.controller';
import { OpsService } from './ops';

/** The operators' lists, traces and dead-letter replay over HTTP. Needs PlatformModule, AuditModule and IdentityModule. */
@Module({
  providers: [
    {
      provide: OpsService,
      inject: [DATABASE, MESSAGE_BUS, AuditTrail, IdentityKeyring, CLOCK],
      useFactory: (db: Database, bus: MessageBus, audit: AuditTrail, keyring: IdentityKeyring, clock: Clock) => new OpsService(db, new DeadLetterReplay(db, bus, audit, keyring, clock), keyring),
    },
  ],
  controllers: [OpsController],
})
export class OpsHttpModule {}
