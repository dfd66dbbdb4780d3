import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@pdp/contracts';
import { BusMessage, METRICS_TRANSPORT } from '@pdp/bus';
import { HUB_RUNTIME, HubRuntime } from '@pdp/runtime';

/** Outcome reports from the bus → metrics and follow-ups (libs/outcomes). */
@Controller()
export class OutcomeConsumerController {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  @EventPattern(Topics.outcomeInbound, METRICS_TRANSPORT)
  outcomes(@Payload() batch: BusMessage[]): Promise<void> {
    return this.rt.outcomes.processor.handleBatch(batch);
  }
}
