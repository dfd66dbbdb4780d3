import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { HUB_RUNTIME, HubRuntime } from '@pdp/runtime';
import { IntakeResult } from '@pdp/sick-leave';
import { ProblemException } from '@pdp/http';

/** Partners without Kafka post the same contracts over HTTP. */
@Controller('v1')
export class IntakeController {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  @Post('sick-leaves')
  @HttpCode(202)
  async sickLeave(@Body() body: unknown) {
    return accepted(await this.rt.intake.sickLeaveNotification(body));
  }

  @Post('employer-leave-declarations')
  @HttpCode(202)
  async employerDeclaration(@Body() body: unknown) {
    return accepted(await this.rt.intake.employerDeclaration(body));
  }
}

function accepted(r: IntakeResult) {
  if (!r.accepted) throw new ProblemException(400, r.title, `${r.violations.length} violation(s)`, r.violations);
  return { messageId: r.messageId, status: 'accepted', track: `/v1/messages/${encodeURIComponent(r.messageId)}` };
}
