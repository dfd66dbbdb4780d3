import { Body, Controller, HttpCode, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { ProblemException, sendersGuard, IntakeAdmission } from '@pdp/http';
import { IntakeResult, LeaveIntake } from '../intake';

/** Partners without Kafka post the same contracts over HTTP. */
@Controller('v1')
export class IntakeController {
  constructor(private readonly intake: LeaveIntake) {}

  /** Sick leaves are transmitted by the insurer (art. L.4622-2-1): its CPAM and service médical. */
  @Post('sick-leaves')
  @HttpCode(202)
  @UseInterceptors(IntakeAdmission)
  @UseGuards(sendersGuard({ categories: ['cpam', 'service-medical'] }))
  async sickLeave(@Body() body: unknown) {
    return accepted(await this.intake.sickLeaveNotification(body));
  }

  /** Employers' declarations come from their software: accounts of the sender role (docs/security.md). */
  @Post('employer-leave-declarations')
  @HttpCode(202)
  @UseInterceptors(IntakeAdmission)
  @UseGuards(sendersGuard({ roles: ['sender'] }))
  async employerDeclaration(@Body() body: unknown) {
    return accepted(await this.intake.employerDeclaration(body));
  }
}

function accepted(r: IntakeResult) {
  if (!r.accepted) throw new ProblemException(400, r.title, `${r.violations.length} violation(s)`, r.violations);
  return { messageId: r.messageId, status: 'accepted', track: `/v1/messages/${encodeURIComponent(r.messageId)}` };
}
