import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CoordinationTopics } from '../../../libs/contracts/src/coordination';
import { BusMessage, COORDINATOR_TRANSPORT } from '../../../libs/bus/src';
import { HUB_RUNTIME, HubRuntime } from '../../../libs/runtime/src';

/** Signalements and accompaniment reports off the bus (libs/referrals). */
@Controller()
export class CoordinatorController {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  @EventPattern(CoordinationTopics.signalementInbound, COORDINATOR_TRANSPORT)
  signalements(@Payload() batch: BusMessage[]): Promise<void> {
    return this.rt.coordination.coordinator.handleBatch(batch);
  }

  @EventPattern(CoordinationTopics.accompanimentReportInbound, COORDINATOR_TRANSPORT)
  reports(@Payload() batch: BusMessage[]): Promise<void> {
    return this.rt.coordination.returnFlow.handleBatch(batch);
  }
}
