import { Inject, Injectable, Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { hubMetrics } from '@pdp/observability';
import { InboxStore } from './inbox.store';
import { Database, DATABASE } from '@pdp/db';
import { AuditTrail } from '@pdp/audit';
import { IdentityVault } from '@pdp/identity';
import { InboxService } from './inbox';

/** Partners whose inbox is not being read: the backlog gauges, read from the database at each scrape. */
@Injectable()
class InboxBacklogGauges implements OnModuleInit, OnModuleDestroy {
  private readonly removers: (() => void)[] = [];

  constructor(@Inject(DATABASE) private readonly db: Database) {}

  onModuleInit(): void {
    const store = new InboxStore(this.db);
    let pending: Promise<Awaited<ReturnType<InboxStore['backlog']>>> | undefined;
    // Both gauges come from one query per scrape.
    const backlog = () => (pending ??= store.backlog().finally(() => setImmediate(() => (pending = undefined))));
    this.removers.push(
      hubMetrics.inboxBacklog.add(async (set) => (await backlog()).forEach((b) => set({ partner: b.partnerId }, b.items))),
      hubMetrics.inboxOldest.add(async (set) => (await backlog()).forEach((b) => set({ partner: b.partnerId }, b.oldestSeconds))),
    );
  }

  onModuleDestroy(): void {
    this.removers.forEach((remove) => remove());
  }
}

/** The partners' durable HTTP inboxes (inbox_items), written by the flows that deliver. Needs IdentityModule and AuditModule. */
@Module({
  providers: [
    {
      provide: InboxService,
      inject: [DATABASE, IdentityVault, AuditTrail],
      useFactory: (db: Database, identities: IdentityVault, audit: AuditTrail) => new InboxService(db, identities, audit),
    },
    InboxBacklogGauges,
  ],
  exports: [InboxService],
})
export class InboxModule {}
