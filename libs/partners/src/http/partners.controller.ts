import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { inboxTopic } from '@pdp/contracts';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { MESSAGE_BUS, MessageBus } from '@pdp/bus';
import { AdminActor, AdminGuard, ProblemException } from '@pdp/http';
import { AuditTrail } from '@pdp/audit';
import { AccessService, normalizeFingerprint } from '@pdp/access';
import { checkPartnerUrl, EndpointRefused } from '@pdp/fhir';
import { isValidSiret } from '@pdp/domain';
import { Adhesion, AdhesionDirectory, ImportResult } from '../directory';
import { PartnerCategories, PartnerRegistration, PartnerRegistry } from '../partners';
import { checkEncryptionKey, PartnerEncryptionKey } from '../encryption-key';
import { PartnerIdentitySealer } from '../partner-identity';

const DEPARTEMENT = /^(?:[0-9]{2}|2A|2B|97[1-6])$/;

/** A FINESS number: nine characters, the first two the département (2A, 2B for Corsica). */
const FINESS = /^(?:[0-9]{2}|2A|2B)[0-9]{7}$/;

const FINGERPRINT = /^(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$/;

/**
 * Operators maintain the partners and the adhesion directory (employer SIRET → SPSTI); each
 * change is in the audit trail with who made it.
 */
@Controller('v1')
@UseGuards(AdminGuard)
export class PartnersController {
  constructor(
    private readonly partners: PartnerRegistry,
    private readonly directory: AdhesionDirectory,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly audit: AuditTrail,
    private readonly access: AccessService,
    private readonly identitySealer: PartnerIdentitySealer,
  ) {}

  @Post('partners')
  @HttpCode(201)
  async registerPartner(@Body() body: PartnerRegistration, @AdminActor() actor: string) {
    const errors = [];
    if (!body || typeof body.partnerId !== 'string' || !/^[a-z0-9][a-z0-9-]{1,62}$/.test(body.partnerId)) errors.push({ path: '/partnerId', message: 'must be a lowercase slug' });
    if (!PartnerCategories.includes(body?.category)) errors.push({ path: '/category', message: `must be one of ${PartnerCategories.join(', ')}` });
    if (typeof body?.name !== 'string' || body.name.length === 0 || body.name.length > 200) errors.push({ path: '/name', message: 'is required, at most 200 characters' });
    // A partner authenticates with the client credential issued in the answer (or its
    // certificate); an API key only where they are enabled, and never a short, guessable one.
    if (body?.apiKey !== undefined) {
      if (!this.config.access.apiKeysEnabled)
        errors.push({
          path: '/apiKey',
          message: 'API keys are for the embedded demo and test configurations: the partner authenticates with the client credential this answer issues, or its certificate',
        });
      else if (typeof body.apiKey !== 'string' || !/^[\x21-\x7e]{20,200}$/.test(body.apiKey)) errors.push({ path: '/apiKey', message: 'must be 20 to 200 printable ASCII characters' });
    }
    if (body?.certificateSha256 !== undefined && (typeof body.certificateSha256 !== 'string' || !FINGERPRINT.test(body.certificateSha256)))
      errors.push({ path: '/certificateSha256', message: "must be the SHA-256 fingerprint of the partner's client certificate (64 hex digits, colons allowed)" });
    if (body?.departements !== undefined && (!Array.isArray(body.departements) || !body.departements.every((d) => typeof d === 'string' && DEPARTEMENT.test(d))))
      errors.push({ path: '/departements', message: 'must be an array of département codes' });
    if (body?.region != null && (typeof body.region !== 'string' || !/^[0-9]{2}$/.test(body.region))) errors.push({ path: '/region', message: 'must be a région code' });
    if (body?.siret != null && (typeof body.siret !== 'string' || !isValidSiret(body.siret))) errors.push({ path: '/siret', message: 'must be a valid SIRET (14 digits, Luhn key)' });
    if (body?.finess != null && (typeof body.finess !== 'string' || !FINESS.test(body.finess))) errors.push({ path: '/finess', message: 'must be a FINESS number (9 characters)' });
    if (body?.fhirEndpoint != null) {
      try {
        if (typeof body.fhirEndpoint !== 'string') throw new EndpointRefused(String(body.fhirEndpoint), 'must be an http(s) URL');
        await checkPartnerUrl(body.fhirEndpoint, { allowPrivate: this.config.access.allowPrivatePartnerUrls });
      } catch (e) {
        if (!(e instanceof EndpointRefused)) throw e;
        errors.push({ path: '/fhirEndpoint', message: e.reason });
      }
    }
    let encryptionKey: PartnerEncryptionKey | undefined;
    if (body?.encryptionKey !== undefined) {
      const checked = await checkEncryptionKey(body.encryptionKey);
      if ('error' in checked) errors.push({ path: '/encryptionKey', message: checked.error });
      else encryptionKey = checked.key;
    }
    if (errors.length) throw new ProblemException(400, 'Invalid partner', `${errors.length} violation(s)`, errors);
    const known = await this.partners.get(body.partnerId);
    // A partner keeps its category: what it may receive depends on it.
    if (known && known.category !== body.category)
      throw new ProblemException(409, 'Partner category cannot change', `${body.partnerId} is registered as ${known.category}; register the new organisation under its own id.`, [
        { path: '/category', message: `is ${known.category}` },
      ]);
    // A key names one partner: a second partner with the same key could not be told apart.
    const holder = body.apiKey ? await this.partners.authenticate(body.apiKey) : null;
    if (holder && holder.partnerId !== body.partnerId)
      throw new ProblemException(409, 'API key already in use', 'Another partner holds this API key; give each partner its own.', [{ path: '/apiKey', message: "is another partner's" }]);
    await this.partners.register({
      ...body,
      departements: body.departements ?? [],
      ...(body.certificateSha256 ? { certificateSha256: normalizeFingerprint(body.certificateSha256) } : {}),
      ...(encryptionKey ? { encryptionKey } : {}),
    });
    if (encryptionKey) this.identitySealer.forgetKeys();
    // A new partner gets its first credential now, shown this once: it cannot exist without one.
    const credential = known ? undefined : await this.access.rotate('partner', body.partnerId);
    // Its inbox topic exists from registration on, so no delivery waits for its creation.
    await this.bus.ensureTopics([{ topic: inboxTopic(body.partnerId), partitions: this.config.kafka.partitions }]);
    const partner = await this.partners.get(body.partnerId);
    // What was registered, never the key.
    await this.audit.append([
      {
        action: 'partner-registered',
        subjectType: 'partner',
        subjectId: body.partnerId,
        partnerId: body.partnerId,
        category: body.category,
        actor,
        detail: {
          change: known ? 'updated' : 'created',
          source: 'api',
          name: partner?.name,
          departements: partner?.departements,
          region: partner?.region ?? null,
          fhirEndpoint: partner?.fhirEndpoint ?? null,
          siret: partner?.siret ?? null,
          finess: partner?.finess ?? null,
          certificateSha256: partner?.certificateSha256 ?? null,
          encryptionKeyId: partner?.encryptionKey?.kid ?? null,
          ...(credential ? { clientId: credential.clientId } : {}),
        },
      },
    ]);
    return credential ? { ...partner, credential: { clientId: credential.clientId, clientSecret: credential.clientSecret } } : partner;
  }

  /** A new client secret for the partner; its previous credentials and their tokens stop working at once. */
  @Post('partners/:partnerId/credentials')
  @HttpCode(201)
  async rotateCredential(@Param('partnerId') partnerId: string, @AdminActor() actor: string) {
    const partner = await this.partners.get(partnerId);
    if (!partner) throw new ProblemException(404, 'Unknown partner', `No partner ${partnerId}.`);
    const credential = await this.access.rotate('partner', partnerId);
    await this.audit.append([
      {
        action: 'credential-rotated',
        subjectType: 'partner',
        subjectId: partnerId,
        partnerId,
        category: partner.category,
        actor,
        detail: { clientId: credential.clientId, revoked: credential.revoked },
      },
    ]);
    return { clientId: credential.clientId, clientSecret: credential.clientSecret };
  }

  @Get('partners')
  listPartners() {
    return this.partners.list();
  }

  /** JSON array of adhesions, or CSV (Content-Type: text/csv) with a header line. */
  @Post('directory/adhesions')
  async importAdhesions(@Body() body: unknown, @AdminActor() actor: string, @Headers('content-type') contentType = '') {
    let result: ImportResult;
    if (contentType.startsWith('text/csv')) {
      if (typeof body !== 'string') throw new ProblemException(400, 'Empty CSV body');
      result = await this.directory.importCsv(body, 'csv-import');
    } else {
      const rows = Array.isArray(body) ? body : (body as { adhesions?: unknown })?.adhesions;
      if (!Array.isArray(rows)) throw new ProblemException(400, 'Invalid adhesions', 'Send a JSON array of {siret, spstiId, validFrom, validTo?} or a CSV file.');
      result = await this.directory.import(rows as Adhesion[], 'api');
    }
    if (result.errors.length) {
      throw new ProblemException(
        400,
        'Invalid adhesions',
        `${new Set(result.errors.map((e) => e.line)).size} line(s) rejected; nothing imported`,
        result.errors.map((e) => ({ path: `line ${e.line}`, message: e.message })),
      );
    }
    await this.audit.append([
      {
        action: 'adhesions-imported',
        subjectType: 'directory',
        subjectId: 'adhesions',
        actor,
        detail: { format: contentType.startsWith('text/csv') ? 'csv' : 'json', imported: result.imported, released: result.released },
      },
    ]);
    return result;
  }

  @Get('directory/adhesions/:siret')
  async adhesions(@Param('siret') siret: string) {
    return { siret, adhesions: await this.directory.list(siret) };
  }
}
