import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AdminGuard, PartnerGuard, ProblemDetailsFilter } from '../../../libs/http/src';
import { IntakeController } from './intake.controller';
import { InboxController } from './inbox.controller';
import { DirectoryController } from './directory.controller';
import { OpsController } from './ops.controller';
import { HealthController } from './health.controller';
import { CoordinationHttpModule } from '../../coordinator/src/http/coordination-http.module';

/** HTTP face of the hub: intake, partner inboxes, directory, ops. Needs RuntimeModule. */
@Module({
  imports: [CoordinationHttpModule],
  controllers: [IntakeController, InboxController, DirectoryController, OpsController, HealthController],
  providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }, PartnerGuard, AdminGuard],
})
export class GatewayModule {}
