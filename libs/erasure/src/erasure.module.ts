import { Module } from '@nestjs/common';
import { AuditTrail } from '@pdp/audit';
import { MESSAGE_BUS, MessageBus } from '@pdp/bus';
import { Database, DATABASE } from '@pdp/db';
import { Pseudonymizer } from '@pdp/domain';
import { IdentityKeyring, IdentityVault } from '@pdp/identity';
import { Clock, CLOCK } from '@pdp/platform';
import { ErasureService } from './erasure';
import { ErasureController, RetentionController } from './http/erasure.controller';
import { RetentionService } from './retention';

/** A person's erasure over HTTP (admins), and the retention of every class of data. Needs PlatformModule, AuditModule and IdentityModule. */
@Module({
  providers: [
    {
      provide: ErasureService,
      inject: [DATABASE, MESSAGE_BUS, Pseudonymizer, IdentityVault, IdentityKeyring, AuditTrail, CLOCK],
      useFactory: (db: Database, bus: MessageBus, p: Pseudonymizer, vault: IdentityVault, keyring: IdentityKeyring, audit: AuditTrail, clock: Clock) =>
        new ErasureService(db, bus, p, vault, keyring, audit, clock),
    },
    RetentionService,
  ],
  controllers: [ErasureController, RetentionController],
})
export class ErasureHttpModule {}
