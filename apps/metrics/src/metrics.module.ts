import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AdminGuard, PartnerGuard, ProblemDetailsFilter } from '@pdp/http';
import { MetricsController } from './metrics.controller';
import { OutcomesController } from './outcomes.controller';
import { OutcomeConsumerController } from './outcome-consumer.controller';
import { MetricsReaderGuard } from './reader.guard';
import { MetricsPublishLoop } from './publish-loop';

/** Outcomes in (HTTP and bus), metrics and follow-ups out (HTTP and bus). Needs RuntimeModule. */
@Module({
  controllers: [MetricsController, OutcomesController, OutcomeConsumerController],
  providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }, PartnerGuard, AdminGuard, MetricsReaderGuard, MetricsPublishLoop],
})
export class MetricsModule {}
