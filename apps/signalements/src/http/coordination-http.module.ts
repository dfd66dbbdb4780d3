import { Module } from '@nestjs/common';
import { AdminGuard, PartnerGuard } from '@pdp/http';
import { SignalementsController } from './referrals.controller';
import { ConsentController } from './consent.controller';
import { CasesController } from './cases.controller';
import { SignalementsAdminController } from './coordination-admin.controller';

/** HTTP face of the coordination flows; imported by the gateway (and so by the embedded hub). */
@Module({
  controllers: [SignalementsController, ConsentController, CasesController, SignalementsAdminController],
  providers: [PartnerGuard, AdminGuard],
})
export class SignalementsHttpModule {}
