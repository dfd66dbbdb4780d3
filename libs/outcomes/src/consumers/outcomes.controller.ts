import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@pdp/contracts';
import { BusMessage, METRICS_TRANSPORT } from '@pdp/bus';
import { OutcomeProcessor } from '../processor';

/** Outcome reports from the bus → metrics and follow-ups (libs/outcomes). */
@Controller()
export class OutcomesConsumerController {
  constructor(private readonly processor: OutcomeProcessor) {}

  @EventPattern(Topics.outcomeInbound, METRICS_TRANSPORT)
  outcomes(@Payload() batch: BusMessage[]): Promise<void> {
    return this.processor.handleBatch(batch);
  }
}
