import { Controller, Inject, OnApplicationBootstrap } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@pdp/contracts';
import { BusMessage, ROUTER_TRANSPORT } from '@pdp/bus';
import { HUB_RUNTIME, HubRuntime } from '@pdp/runtime';

/** resolve SPSTI → deliver to its inbox, or park (libs/pipeline). */
@Controller()
export class RouterController implements OnApplicationBootstrap {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  onApplicationBootstrap(): Promise<void> {
    return this.rt.router.warmUp();
  }

  @EventPattern(Topics.caseNormalized, ROUTER_TRANSPORT)
  caseEvents(@Payload() batch: BusMessage[]): Promise<void> {
    return this.rt.router.handleBatch(batch);
  }
}
