import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ProblemException } from '@pdp/http';
import { IntakeResult, LeaveIntake } from '../intake';

/** Partners without Kafka post the same contracts over HTTP. */
@Controller('v1')
export class IntakeController {
  constructor(private readonly intake: LeaveIntake) {}

  @Post('sick-leaves')
  @HttpCode(202)
  async sickLeave(@Body() body: unknown) {
    return accepted(await this.intake.sickLeaveNotification(body));
  }

  @Post('employer-leave-declarations')
  @HttpCode(202)
  async employerDeclaration(@Body() body: unknown) {
    return accepted(await this.intake.employerDeclaration(body));
  }
}

function accepted(r: IntakeResult) {
  if (!r.accepted) throw new ProblemException(400, r.title, `${r.violations.length} violation(s)`, r.violations);
  return { messageId: r.messageId, status: 'accepted', track: `/v1/messages/${encodeURIComponent(r.messageId)}` };
}
