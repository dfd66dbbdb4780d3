import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { OpsGuard, ProblemException } from '@pdp/http';
import { MessageTracker } from '../tracking';

/** Ops views: nothing accepted is lost, and everything can be found. */
@Controller('v1')
@UseGuards(OpsGuard)
export class TrackingController {
  constructor(private readonly tracker: MessageTracker) {}

  @Get('messages/:messageId')
  async trace(@Param('messageId') messageId: string) {
    const trace = await this.tracker.trace(messageId);
    if (trace.status === 'unknown') throw new ProblemException(404, 'Message not found', `No trace of ${messageId} yet (it may still be in flight).`);
    return trace;
  }

  @Get('ops/dead-letters')
  deadLetters() {
    return this.tracker.deadLetters();
  }

  @Get('ops/parked')
  parked() {
    return this.tracker.parked();
  }
}
