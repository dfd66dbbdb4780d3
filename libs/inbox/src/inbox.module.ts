import { Module } from '@nestjs/common';
import { Database, DATABASE } from '@pdp/db';
import { InboxService } from './inbox';

/** The partners' durable HTTP inboxes (inbox_items), written by the flows that deliver. */
@Module({
  providers: [{ provide: InboxService, inject: [DATABASE], useFactory: (db: Database) => new InboxService(db) }],
  exports: [InboxService],
})
export class InboxModule {}
