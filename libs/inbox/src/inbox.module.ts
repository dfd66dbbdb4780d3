import { Module } from '@nestjs/common';
import { Database, DATABASE } from '@pdp/db';
import { AuditTrail } from '@pdp/audit';
import { IdentityVault } from '@pdp/identity';
import { InboxService } from './inbox';

/** The partners' durable HTTP inboxes (inbox_items), written by the flows that deliver. Needs IdentityModule and AuditModule. */
@Module({
  providers: [
    {
      provide: InboxService,
      inject: [DATABASE, IdentityVault, AuditTrail],
      useFactory: (db: Database, identities: IdentityVault, audit: AuditTrail) => new InboxService(db, identities, audit),
    },
  ],
  exports: [InboxService],
})
export class InboxModule {}
