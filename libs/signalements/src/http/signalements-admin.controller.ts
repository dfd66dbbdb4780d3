import { PartnerCategories, PartnerCategory } from '@pdp/partners';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { checkPartnerUrl, EndpointRefused } from '@pdp/fhir';
import { Signalements } from '../signalements';
import { InvalidRulesError } from '@pdp/routing-rules';
import { isValidNir } from '@pdp/domain';
import { AdminActor, AdminGuard, OpsGuard, ProblemException } from '@pdp/http';
import { reassign } from './cases.controller';

/**
 * Operators: audit trail and its verification, rules reload, chef de file, FHIR
 * directory import. Every action that changes something is audited with who did it. The audit
 * trail, the rules and the directory are the admins'; the flows (FHIR retries, chef de file) are
 * ops' too.
 */
@Controller('v1')
export class SignalementsAdminController {
  private readonly allowPrivateUrls: boolean;

  constructor(
    private readonly signalements: Signalements,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    this.allowPrivateUrls = config.access.allowPrivatePartnerUrls;
  }

  @Get('audit/cases/:caseId')
  @UseGuards(AdminGuard)
  byCase(@Param('caseId') caseId: string) {
    return this.signalements.audit.byCase(caseId);
  }

  @Get('audit/partners/:partnerId')
  @UseGuards(AdminGuard)
  byPartner(@Param('partnerId') partnerId: string, @Query('limit') limit?: string) {
    const n = limit === undefined ? 1000 : Number(limit);
    // A negative or non-integer LIMIT is refused by PostgreSQL: a 400 here, not a 500 there.
    if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new ProblemException(400, 'Invalid limit', 'limit must be an integer from 1 to 10000', [{ path: 'limit', message: 'out of range' }]);
    return this.signalements.audit.byPartner(partnerId, n);
  }

  /**
   * Walks the audit chain and recomputes every hash: `{ok: true, rows, lastAuditId, lastHash}`,
   * or the first row modified or removed (`{ok: false, problem, firstBadAuditId, …}`).
   */
  @Get('audit/verify')
  @UseGuards(AdminGuard)
  verify() {
    return this.signalements.audit.verifyChain();
  }

  /**
   * "Who received what about this person, and why". POST so that the NIR (a person's access
   * request comes with it) never lands in a URL or an access log; a pseudonym works too.
   */
  @Post('audit/disclosures')
  @UseGuards(AdminGuard)
  @HttpCode(200)
  async disclosures(@Body() body: { nir?: unknown; personPseudonym?: unknown }) {
    let person: string;
    // With the NIR, every version of her pseudonym: entries made before a rotation of the key keep theirs.
    let versions: string[];
    if (typeof body?.nir === 'string') {
      if (!isValidNir(body.nir)) throw new ProblemException(400, 'Invalid NIR', 'The NIR key does not match.', [{ path: '/nir', message: 'NIR key does not match' }]);
      versions = this.signalements.pseudonymVersions(body.nir);
      person = versions[versions.length - 1];
    } else if (typeof body?.personPseudonym === 'string') versions = [(person = body.personPseudonym)];
    else throw new ProblemException(400, 'Invalid request', 'Send {"nir": …} or {"personPseudonym": …}.', [{ path: '/nir', message: 'is required' }]);
    return { personPseudonym: person, disclosures: await this.signalements.audit.disclosures(versions), identityReads: await this.signalements.audit.identityReads(versions) };
  }

  /** Pushes again the FHIR copies of deliveries whose partner endpoint failed. */
  @Post('ops/fhir/retry')
  @UseGuards(OpsGuard)
  @HttpCode(200)
  retryFhir(@AdminActor() actor: string) {
    return this.signalements.retryFhir(actor);
  }

  @Post('ops/routing-rules/reload')
  @UseGuards(AdminGuard)
  @HttpCode(200)
  async reload(@AdminActor() actor: string) {
    try {
      return await this.signalements.reloadRules(actor);
    } catch (e) {
      if (e instanceof InvalidRulesError) throw new ProblemException(400, 'Invalid routing rules; the rules in force are unchanged', e.message, e.violations);
      throw e;
    }
  }

  @Get('ops/routing-rules')
  @UseGuards(OpsGuard)
  rules() {
    return this.signalements.rules.rules;
  }

  @Post('cases/:caseId/chef-de-file/admin')
  @UseGuards(OpsGuard)
  @HttpCode(200)
  reassign(@Param('caseId') caseId: string, @Body() body: { partnerId?: unknown; reason?: unknown }, @AdminActor() actor: string) {
    return reassign(this.signalements, caseId, body, actor);
  }

  /** Registers the partners a FHIR directory (e.g. the Annuaire Santé) lists. */
  @Post('partners/import-fhir')
  @UseGuards(AdminGuard)
  @HttpCode(201)
  async importFhir(@Body() body: { baseUrl?: string; category?: string; departement?: string; type?: string }, @AdminActor() actor: string) {
    if (typeof body?.baseUrl !== 'string' || !/^https?:\/\//.test(body.baseUrl))
      throw new ProblemException(400, 'Invalid import', 'baseUrl must be the http(s) base URL of a FHIR R4 directory', [{ path: '/baseUrl', message: 'is required' }]);
    try {
      await checkPartnerUrl(body.baseUrl, { allowPrivate: this.allowPrivateUrls });
    } catch (e) {
      if (e instanceof EndpointRefused) throw new ProblemException(400, 'Invalid import', e.reason, [{ path: '/baseUrl', message: e.reason }]);
      throw e;
    }
    // FR Core organisations (the Annuaire Santé's) are chosen by their type, and given the import's category.
    if (body.type !== undefined && (typeof body.type !== 'string' || !/^[^|\s]+\|[^|\s]+$/.test(body.type) || !PartnerCategories.includes(body.category as PartnerCategory)))
      throw new ProblemException(400, 'Invalid import', 'type is a token system|code; with it, category says which partner category these organisations are', [
        { path: '/type', message: 'must be system|code, with a partner category' },
      ]);
    return this.signalements.importPartnersFromFhir(body.baseUrl, { category: body.category, departement: body.departement, type: body.type }, actor);
  }
}
