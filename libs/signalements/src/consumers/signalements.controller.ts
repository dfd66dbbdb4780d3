import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { SignalementTopics } from '@pdp/contracts';
import { BusMessage, SIGNALEMENTS_TRANSPORT } from '@pdp/bus';
import { Signalements } from '../signalements';

/** Signalements and accompaniment reports off the bus (SignalementCoordinator, ReturnFlow). */
@Controller()
export class SignalementsConsumerController {
  constructor(private readonly flow: Signalements) {}

  @EventPattern(SignalementTopics.signalementInbound, SIGNALEMENTS_TRANSPORT)
  signalements(@Payload() batch: BusMessage[]): Promise<void> {
    return this.flow.coordinator.handleBatch(batch);
  }

  @EventPattern(SignalementTopics.accompanimentReportInbound, SIGNALEMENTS_TRANSPORT)
  reports(@Payload() batch: BusMessage[]): Promise<void> {
    return this.flow.returnFlow.handleBatch(batch);
  }
}
