import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '../../../libs/contracts/src';
import { BusMessage, NORMALIZER_TRANSPORT } from '../../../libs/bus/src';
import { HUB_RUNTIME, HubRuntime } from '../../../libs/runtime/src';

/** validate → normalise → pseudonymise → merge episode → publish case event (libs/pipeline). */
@Controller()
export class NormalizerController {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  @EventPattern(Topics.sickLeaveInbound, NORMALIZER_TRANSPORT)
  sickLeaves(@Payload() batch: BusMessage[]): Promise<void> {
    return this.rt.normalizer.handleBatch(batch);
  }

  @EventPattern(Topics.employerLeaveInbound, NORMALIZER_TRANSPORT)
  employerDeclarations(@Payload() batch: BusMessage[]): Promise<void> {
    return this.rt.normalizer.handleBatch(batch);
  }
}
