import { Module } from '@nestjs/common';
import { AuditModule } from '@pdp/audit';
import { PartnersController } from './partners.controller';

/** Operators' API for the partner registry and the adhesion directory (their changes audited). */
@Module({ imports: [AuditModule], controllers: [PartnersController] })
export class PartnersHttpModule {}
