import { Global, Module } from '@nestjs/common';
import { Database, DATABASE } from '@pdp/db';
import { AuditTrail } from './audit';

/** The append-only audit trail, one per app: every flow records its decisions in it. */
@Global()
@Module({
  providers: [{ provide: AuditTrail, inject: [DATABASE], useFactory: (db: Database) => new AuditTrail(db) }],
  exports: [AuditTrail],
})
export class AuditModule {}
