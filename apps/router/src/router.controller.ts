import { Controller, Inject, OnApplicationBootstrap } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '../../../libs/contracts/src';
import { BusMessage, ROUTER_TRANSPORT } from '../../../libs/bus/src';
import { HUB_RUNTIME, HubRuntime } from '../../../libs/runtime/src';

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
