import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { Signalements } from '../signalements';
import { Partner } from '@pdp/partners';
import { Consent } from '@pdp/fhir';
import { AdminActor, AdminGuard, CurrentPartner, PartnerGuard, ProblemException } from '@pdp/http';

/** Consent decisions: a partner records what the worker said; FHIR Consent resources are imported. */
@Controller('v1/consents')
export class ConsentController {
  constructor(private readonly signalements: Signalements) {}

  /** consent-statement/1; a withdrawal pulls back undelivered items, a grant releases withheld ones. */
  @Post()
  @HttpCode(201)
  @UseGuards(PartnerGuard)
  async record(@CurrentPartner() partner: Partner, @Body() body: unknown) {
    const r = this.signalements.consent.validate(body);
    if (!r.ok) throw new ProblemException(400, 'The consent statement does not match consent-statement/1', `${r.violations.length} violation(s)`, r.violations);
    const recorded = await this.signalements.recordConsent(r.value, partner.partnerId);
    if (!recorded.ok) throw new ProblemException(recorded.status, recorded.title, `${recorded.violations.length} violation(s)`, recorded.violations);
    return summary(recorded.change, partner.partnerId);
  }

  /** A FHIR Consent, or a Bundle of them (application/fhir+json). */
  @Post('fhir')
  @HttpCode(201)
  @UseGuards(PartnerGuard)
  async fhir(@CurrentPartner() partner: Partner, @Body() body: { resourceType?: string; entry?: { resource?: Consent }[] }) {
    return summary(await this.signalements.importConsents(consentsOf(body), partner.partnerId), partner.partnerId);
  }

  /** Ops: imports the Consent resources of a FHIR server (updated since a date). */
  @Post('import-fhir')
  @HttpCode(201)
  @UseGuards(AdminGuard)
  async importFromServer(@Body() body: { baseUrl?: string; since?: string }, @AdminActor() actor: string) {
    if (typeof body?.baseUrl !== 'string' || !/^https?:\/\//.test(body.baseUrl))
      throw new ProblemException(400, 'Invalid import', 'baseUrl must be the http(s) base URL of a FHIR R4 server', [{ path: '/baseUrl', message: 'is required' }]);
    return summary(await this.signalements.importConsentsFromServer(body.baseUrl, body.since, actor));
  }
}

function consentsOf(body: { resourceType?: string; entry?: { resource?: Consent }[] }): Consent[] {
  if (body?.resourceType === 'Consent') return [body as unknown as Consent];
  if (body?.resourceType === 'Bundle' && (body.entry === undefined || Array.isArray(body.entry)))
    return (body.entry ?? []).map((e) => e?.resource).filter((r): r is Consent => r?.resourceType === 'Consent');
  throw new ProblemException(400, 'Not a FHIR Consent', 'Send a Consent resource or a Bundle of Consent resources.', [{ path: '/resourceType', message: 'must be Consent or Bundle' }]);
}

/**
 * The response names records and effects, never an identifier of the person; a partner sees
 * the effects on its own items only, nothing of which other partners held items.
 */
function summary(
  c: {
    recorded: { consentId: string; purpose: string; recipientCategory: string; status: string; effectiveAt: string }[];
    pulledBack: { deliveryId: string; partnerId: string }[];
    retracted: { deliveryId: string; partnerId: string }[];
    released: { deliveryId: string; partnerId: string }[];
    skipped?: unknown[];
  },
  reader?: string,
) {
  const own = <T extends { partnerId: string }>(items: T[]) => (reader ? items.filter((i) => i.partnerId === reader) : items);
  return {
    recorded: c.recorded.map((r) => ({ consentId: r.consentId, purpose: r.purpose, recipientCategory: r.recipientCategory, status: r.status, effectiveAt: r.effectiveAt })),
    pulledBack: own(c.pulledBack),
    retracted: own(c.retracted),
    released: own(c.released),
    ...(c.skipped ? { skipped: c.skipped } : {}),
  };
}
