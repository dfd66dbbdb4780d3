import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AdminGuard, PartnerGuard } from './auth';
import { HealthController } from './health.controller';
import { ProblemDetailsFilter } from './problem';

/**
 * What every app serving HTTP shares: RFC 7807 problem details for every error, the health
 * probe, and the guards (a partner's key, the operators' key). Body parsers: configureHttp.
 */
@Module({
  controllers: [HealthController],
  providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }, PartnerGuard, AdminGuard],
  exports: [PartnerGuard, AdminGuard],
})
export class HttpModule {}
