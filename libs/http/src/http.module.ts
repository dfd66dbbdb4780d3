import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { HealthController } from './health.controller';
import { ProblemDetailsFilter } from './problem';

/**
 * What every app serving HTTP shares: RFC 7807 problem details for every error, the health
 * probe. The guards (libs/http auth.ts) need a CallerAuthenticator (AccessModule). Body parsers: configureHttp.
 */
@Module({
  controllers: [HealthController],
  providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
})
export class HttpModule {}
