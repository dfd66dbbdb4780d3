import { Controller, OnApplicationBootstrap } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@pdp/contracts';
import { BusMessage, ROUTER_TRANSPORT } from '@pdp/bus';
import { CaseRouter } from '../router';

/** resolve SPSTI → deliver to its inbox, or park. */
@Controller()
export class RouterController implements OnApplicationBootstrap {
  constructor(private readonly router: CaseRouter) {}

  onApplicationBootstrap(): Promise<void> {
    return this.router.warmUp();
  }

  @EventPattern(Topics.caseNormalized, ROUTER_TRANSPORT)
  caseEvents(@Payload() batch: BusMessage[]): Promise<void> {
    return this.router.handleBatch(batch);
  }
}
