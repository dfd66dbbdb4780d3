import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AdminGuard, PartnerGuard, ProblemDetailsFilter } from '@pdp/http';
import { IntakeController } from './intake.controller';
import { InboxController } from './inbox.controller';
import { DirectoryController } from './directory.controller';
import { OpsController } from './ops.controller';
import { HealthController } from './health.controller';
// eslint-disable-next-line boundaries/dependencies -- an app never imports another app; this goes when the module lives in a lib.
import { SignalementsHttpModule } from '../../signalements/src/http/coordination-http.module';

/** HTTP face of the hub: intake, partner inboxes, directory, ops. Needs RuntimeModule. */
@Module({
  imports: [SignalementsHttpModule],
  controllers: [IntakeController, InboxController, DirectoryController, OpsController, HealthController],
  providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }, PartnerGuard, AdminGuard],
})
export class GatewayModule {}
