import { Body, Controller, Get, Param, Post, UseGuards } from '@nestjs/common';
import { Signalements } from '../signalements';
import { Partner } from '@pdp/partners';
import { CurrentPartner, PartnerGuard, ProblemException } from '@pdp/http';

/** A case's timeline and its chef de file, for the partners the case was delivered to. */
@Controller('v1/cases')
@UseGuards(PartnerGuard)
export class CasesController {
  constructor(private readonly signalements: Signalements) {}

  /** caseRef: a caseId, or the person pseudonym of a delivered sick leave. */
  @Get(':caseRef/timeline')
  async timeline(@CurrentPartner() partner: Partner, @Param('caseRef') caseRef: string) {
    const c = await this.readable(partner, caseRef);
    return this.signalements.queries.timeline(c.caseId, c.person, partner.partnerId);
  }

  /** Only the current chef de file hands over (operators use the admin route). */
  @Post(':caseId/chef-de-file')
  async reassign(@CurrentPartner() partner: Partner, @Param('caseId') ref: string, @Body() body: { partnerId?: unknown; reason?: unknown }) {
    // A case id kept from before a rotation of the pseudonymisation key names the case it is now.
    const caseId = (await this.signalements.queries.resolveCase(ref))?.caseId ?? ref;
    const lead = await this.signalements.queries.lead(caseId);
    if (!lead || lead.partnerId !== partner.partnerId) throw new ProblemException(403, 'Not the chef de file', `Only the chef de file of ${caseId} may hand it over.`);
    return reassign(this.signalements, caseId, body, partner.partnerId);
  }

  private async readable(partner: Partner, ref: string) {
    const c = await this.signalements.queries.resolveCase(ref);
    // 404 either way: a case not delivered to this partner does not exist for it.
    if (!c || !(await this.signalements.queries.partnerMayRead(partner.partnerId, c.person))) throw new ProblemException(404, 'Case not found', `No case ${ref} delivered to ${partner.partnerId}.`);
    return c;
  }
}

export async function reassign(signalements: Signalements, caseId: string, body: { partnerId?: unknown; reason?: unknown }, actor: string) {
  const errors = [];
  if (typeof body?.partnerId !== 'string') errors.push({ path: '/partnerId', message: 'is required' });
  if (typeof body?.reason !== 'string' || body.reason.trim().length < 5) errors.push({ path: '/reason', message: 'a reason of at least 5 characters is required' });
  if (errors.length) throw new ProblemException(400, 'Invalid re-assignment', `${errors.length} violation(s)`, errors);
  const r = await signalements.reassignLead(caseId, body.partnerId as string, (body.reason as string).trim(), actor);
  if (!r.ok) throw new ProblemException(r.status, 'Re-assignment refused', r.message);
  return { caseId, chefDeFile: r.chefDeFile };
}
