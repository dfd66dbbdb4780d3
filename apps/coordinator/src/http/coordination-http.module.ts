import { Module } from '@nestjs/common';
import { AdminGuard, PartnerGuard } from '../../../../libs/http/src';
import { ReferralsController } from './referrals.controller';
import { ConsentController } from './consent.controller';
import { CasesController } from './cases.controller';
import { CoordinationAdminController } from './coordination-admin.controller';

/** HTTP face of the coordination flows; imported by the gateway (and so by the embedded hub). */
@Module({
  controllers: [ReferralsController, ConsentController, CasesController, CoordinationAdminController],
  providers: [PartnerGuard, AdminGuard],
})
export class CoordinationHttpModule {}
