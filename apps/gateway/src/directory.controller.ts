import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { HUB_RUNTIME, HubRuntime } from '@pdp/runtime';
import { inboxTopic } from '@pdp/contracts';
import { Adhesion, ImportResult, PartnerCategories, PartnerRegistration } from '@pdp/partners';
import { AdminGuard, ProblemException } from '@pdp/http';

/** Operators maintain the partners and the adhesion directory (employer SIRET → SPSTI). */
@Controller('v1')
@UseGuards(AdminGuard)
export class DirectoryController {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  @Post('partners')
  @HttpCode(201)
  async registerPartner(@Body() body: PartnerRegistration) {
    const errors = [];
    if (!body || typeof body.partnerId !== 'string' || !/^[a-z0-9][a-z0-9-]{1,62}$/.test(body.partnerId)) errors.push({ path: '/partnerId', message: 'must be a lowercase slug' });
    if (!PartnerCategories.includes(body?.category)) errors.push({ path: '/category', message: `must be one of ${PartnerCategories.join(', ')}` });
    if (typeof body?.name !== 'string' || body.name.length === 0) errors.push({ path: '/name', message: 'is required' });
    if (errors.length) throw new ProblemException(400, 'Invalid partner', `${errors.length} violation(s)`, errors);
    await this.rt.partners.register({ ...body, departements: body.departements ?? [] });
    // Its inbox topic exists from registration on, so no delivery waits for its creation.
    await this.rt.bus.ensureTopics([{ topic: inboxTopic(body.partnerId), partitions: this.rt.config.kafka.partitions }]);
    return this.rt.partners.get(body.partnerId);
  }

  @Get('partners')
  listPartners() {
    return this.rt.partners.list();
  }

  /** JSON array of adhesions, or CSV (Content-Type: text/csv) with a header line. */
  @Post('directory/adhesions')
  async importAdhesions(@Body() body: unknown, @Headers('content-type') contentType = '') {
    let result: ImportResult;
    if (contentType.startsWith('text/csv')) {
      if (typeof body !== 'string') throw new ProblemException(400, 'Empty CSV body');
      result = await this.rt.directory.importCsv(body, 'csv-import');
    } else {
      const rows = Array.isArray(body) ? body : (body as { adhesions?: unknown })?.adhesions;
      if (!Array.isArray(rows)) throw new ProblemException(400, 'Invalid adhesions', 'Send a JSON array of {siret, spstiId, validFrom, validTo?} or a CSV file.');
      result = await this.rt.directory.import(rows as Adhesion[], 'api');
    }
    if (result.errors.length) {
      throw new ProblemException(400, 'Invalid adhesions', `${result.errors.length} line(s) rejected; nothing imported`, result.errors.map((e) => ({ path: `line ${e.line}`, message: e.message })));
    }
    return result;
  }

  @Get('directory/adhesions/:siret')
  async adhesions(@Param('siret') siret: string) {
    return { siret, adhesions: await this.rt.directory.list(siret) };
  }
}
