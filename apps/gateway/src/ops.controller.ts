import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { HUB_RUNTIME, HubRuntime } from '@pdp/runtime';
import { AdminGuard, ProblemException } from '@pdp/http';

/** Ops views: nothing accepted is lost, and everything can be found. */
@Controller('v1')
@UseGuards(AdminGuard)
export class OpsController {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  @Get('messages/:messageId')
  async trace(@Param('messageId') messageId: string) {
    const trace = await this.rt.tracker.trace(messageId);
    if (trace.status === 'unknown') throw new ProblemException(404, 'Message not found', `No trace of ${messageId} yet (it may still be in flight).`);
    return trace;
  }

  @Get('ops/dead-letters')
  deadLetters() {
    return this.rt.tracker.deadLetters();
  }

  @Get('ops/parked')
  parked() {
    return this.rt.tracker.parked();
  }
}
