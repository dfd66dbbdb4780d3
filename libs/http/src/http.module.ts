import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ProbesModule } from './probes';
import { ProblemDetailsFilter } from './problem';

/**
 * What every app serving HTTP shares: RFC 7807 problem details for every error, the probes
 * and metrics (probes.ts). The guards (libs/http auth.ts) need a CallerAuthenticator (AccessModule). Body parsers: configureHttp.
 */
@Module({
  imports: [ProbesModule],
  providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
})
export class HttpModule {}
