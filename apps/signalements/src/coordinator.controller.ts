import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { SignalementTopics } from '@pdp/contracts';
import { BusMessage, SIGNALEMENTS_TRANSPORT } from '@pdp/bus';
import { HUB_RUNTIME, HubRuntime } from '@pdp/runtime';

/** Signalements and accompaniment reports off the bus (libs/referrals). */
@Controller()
export class SignalementsConsumerController {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  @EventPattern(SignalementTopics.signalementInbound, SIGNALEMENTS_TRANSPORT)
  signalements(@Payload() batch: BusMessage[]): Promise<void> {
    return this.rt.signalements.coordinator.handleBatch(batch);
  }

  @EventPattern(SignalementTopics.accompanimentReportInbound, SIGNALEMENTS_TRANSPORT)
  reports(@Payload() batch: BusMessage[]): Promise<void> {
    return this.rt.signalements.returnFlow.handleBatch(batch);
  }
}
