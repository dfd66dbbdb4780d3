import { Controller, Inject, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@pdp/contracts';
import { BatchHandler, BusMessage, NORMALIZER_TRANSPORT } from '@pdp/bus';
import { CaseRouter } from '../router';
import { LeaveNormalizer } from '../normalizer';

/** Where the leave batches go when not to this thread's normalizer (the service's handler threads). */
export const LEAVE_BATCHES = Symbol('LEAVE_BATCHES');

/** validate → normalise → pseudonymise → merge episode → resolve → consent → route (LeaveNormalizer, then CaseRouter in the same transaction). */
@Controller()
export class NormalizerController implements OnApplicationBootstrap {
  private readonly handle: BatchHandler;

  constructor(
    private readonly router: CaseRouter,
    normalizer: LeaveNormalizer,
    @Optional() @Inject(LEAVE_BATCHES) handle?: BatchHandler,
  ) {
    this.handle = handle ?? ((batch) => normalizer.handleBatch(batch));
  }

  /** This app delivers to the partners' inbox topics: learn them before the first batch. */
  onApplicationBootstrap(): Promise<void> {
    return this.router.warmUp();
  }

  @EventPattern(Topics.sickLeaveInbound, NORMALIZER_TRANSPORT)
  sickLeaves(@Payload() batch: BusMessage[]): Promise<void> {
    return this.handle(batch);
  }

  @EventPattern(Topics.employerLeaveInbound, NORMALIZER_TRANSPORT)
  employerDeclarations(@Payload() batch: BusMessage[]): Promise<void> {
    return this.handle(batch);
  }
}
