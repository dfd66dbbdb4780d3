import { Body, Controller, Get, HttpCode, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { AdminActor, CurrentPartner, OpsGuard, PartnerGuard, ProblemException, IntakeAdmission } from '@pdp/http';
import { AuditTrail } from '@pdp/audit';
import { Partner } from '@pdp/partners';
import { FollowUpService, FollowUpStatus } from '../follow-ups';
import { OutcomeIntake } from '../intake';
import { isQueryDate } from './params';

const STATUSES: FollowUpStatus[] = ['scheduled', 'due', 'overdue', 'done'];

/** Outcome reports over HTTP, and each partner's own follow-ups. */
@Controller('v1')
export class OutcomesController {
  constructor(
    private readonly intake: OutcomeIntake,
    private readonly followUpService: FollowUpService,
    private readonly audit: AuditTrail,
  ) {}

  @Post('outcomes')
  @HttpCode(202)
  @UseInterceptors(IntakeAdmission)
  @UseGuards(PartnerGuard)
  async submit(@Body() body: unknown, @CurrentPartner() partner: Partner) {
    const r = await this.intake.submit(body, partner.partnerId);
    if (!r.accepted) throw new ProblemException(r.status, r.title, `${r.violations.length} violation(s)`, r.violations);
    return { messageId: r.messageId, status: 'accepted' };
  }

  /** The authenticated partner's follow-ups in a status (due by default), as of today or ?asOf. */
  @Get('follow-ups')
  @UseGuards(PartnerGuard)
  async followUps(@CurrentPartner() partner: Partner, @Query('status') status = 'due', @Query('asOf') asOf?: string) {
    if (!STATUSES.includes(status as FollowUpStatus)) throw new ProblemException(400, 'Invalid query parameters', `status must be one of ${STATUSES.join(', ')}`);
    if (!isQueryDate(asOf)) throw new ProblemException(400, 'Invalid query parameters', 'asOf must be a YYYY-MM-DD date that exists');
    const items = await this.followUpService.list(partner.partnerId, status as FollowUpStatus, asOf);
    return { partnerId: partner.partnerId, status, items };
  }

  /** Publishes the follow-ups whose status changed (also done periodically by the metrics app); audited when an operator asks. */
  @Post('follow-ups/sweep')
  @HttpCode(200)
  @UseGuards(OpsGuard)
  async sweep(@AdminActor() actor: string, @Query('asOf') asOf?: string) {
    if (!isQueryDate(asOf)) throw new ProblemException(400, 'Invalid query parameters', 'asOf must be a YYYY-MM-DD date that exists');
    const r = await this.followUpService.sweep(asOf);
    await this.audit.append([{ action: 'follow-ups-swept', subjectType: 'follow-ups', subjectId: asOf ?? 'today', actor, detail: { asOf: asOf ?? null, ...r } }]);
    return r;
  }
}
