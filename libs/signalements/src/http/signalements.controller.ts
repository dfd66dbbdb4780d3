import { Body, Controller, Get, HttpCode, Param, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { Signalements } from '../signalements';
import { Partner } from '@pdp/partners';
import { IntakeOutcome } from '../signalements';
import { CurrentPartner, PartnerGuard, ProblemException, IntakeAdmission } from '@pdp/http';

/** Partners send signalements and accompaniment reports, and follow what became of them. */
@Controller('v1')
@UseGuards(PartnerGuard)
export class SignalementsController {
  constructor(private readonly signalements: Signalements) {}

  @Post('signalements')
  @HttpCode(202)
  @UseInterceptors(IntakeAdmission)
  async signalement(@CurrentPartner() partner: Partner, @Body() body: unknown) {
    const r = accepted(await this.signalements.acceptSignalement(body, partner.partnerId));
    return { messageId: r.messageId, signalementId: r.id, status: 'accepted', track: `/v1/signalements/${encodeURIComponent(r.id)}/status` };
  }

  /** The sender's view: delivered, acknowledged, withheld (and why), pulled back; the chef de file. */
  @Get('signalements/:signalementId/status')
  async status(@CurrentPartner() partner: Partner, @Param('signalementId') signalementId: string) {
    const status = await this.signalements.queries.referralStatus(partner.partnerId, signalementId);
    if (!status)
      throw new ProblemException(404, 'Signalement not found', `No signalement ${signalementId} from ${partner.partnerId} has reached the signalements service (neither routed nor rejected).`);
    return status;
  }

  @Post('accompaniment-reports')
  @HttpCode(202)
  @UseInterceptors(IntakeAdmission)
  async report(@CurrentPartner() partner: Partner, @Body() body: unknown) {
    const r = accepted(await this.signalements.acceptReport(body, partner.partnerId));
    return { messageId: r.messageId, reportId: r.id, status: 'accepted' };
  }
}

function accepted(r: IntakeOutcome): { messageId: string; id: string } {
  if (!r.accepted) throw new ProblemException(r.status, r.title, `${r.violations.length} violation(s)`, r.violations);
  return r;
}
