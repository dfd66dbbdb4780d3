import { Controller, Inject, OnApplicationBootstrap } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '../../../libs/contracts/src';
import { BusMessage, NORMALIZER_TRANSPORT } from '../../../libs/bus/src';
import { HUB_RUNTIME, HubRuntime } from '../../../libs/runtime/src';

/** validate → normalise → pseudonymise → merge episode → resolve → consent → route (libs/pipeline). */
@Controller()
export class NormalizerController implements OnApplicationBootstrap {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  /** This app delivers to the partners' inbox topics: learn them before the first batch. */
  onApplicationBootstrap(): Promise<void> {
    return this.rt.router.warmUp();
  }

  @EventPattern(Topics.sickLeaveInbound, NORMALIZER_TRANSPORT)
  sickLeaves(@Payload() batch: BusMessage[]): Promise<void> {
    return this.rt.normalizer.handleBatch(batch);
  }

  @EventPattern(Topics.employerLeaveInbound, NORMALIZER_TRANSPORT)
  employerDeclarations(@Payload() batch: BusMessage[]): Promise<void> {
    return this.rt.normalizer.handleBatch(batch);
  }
}
