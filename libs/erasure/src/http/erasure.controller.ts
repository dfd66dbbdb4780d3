import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { isValidNir } from '@pdp/domain';
import { AuditTrail } from '@pdp/audit';
import { AdminActor, AdminGuard, OpsGuard, ProblemException, ProblemViolation } from '@pdp/http';
import { ErasureService } from '../erasure';
import { RetentionService } from '../retention';

/**
 * A person's erasure, by her NIR or INS (in the body: never in a URL or an access log), with
 * its reason; admins only, audited. The answer counts what went, and names nobody.
 */
@Controller('v1/erasures')
@UseGuards(AdminGuard)
export class ErasureController {
  constructor(private readonly erasure: ErasureService) {}

  @Post()
  @HttpCode(200)
  async erase(@Body() body: { nir?: unknown; ins?: unknown; reason?: unknown }, @AdminActor() actor: string) {
    const errors: ProblemViolation[] = [];
    const given = (['nir', 'ins'] as const).filter((k) => body?.[k] !== undefined);
    if (given.length !== 1) errors.push({ path: '/nir', message: 'give the NIR or the INS (its value), one of them' });
    const matricule = given.length === 1 ? body[given[0]] : undefined;
    if (given.length === 1 && (typeof matricule !== 'string' || !isValidNir(matricule))) errors.push({ path: `/${given[0]}`, message: 'is not a NIR whose key matches' });
    if (typeof body?.reason !== 'string' || body.reason.trim().length < 3 || body.reason.length > 500)
      errors.push({ path: '/reason', message: 'is required: why (e.g. the person’s request of 2026-12-01), 3 to 500 characters' });
    if (errors.length) throw new ProblemException(400, 'Invalid erasure', `${errors.length} violation(s)`, errors);
    return this.erasure.erase(matricule as string, (body.reason as string).trim(), actor);
  }

  @Get()
  list() {
    return this.erasure.list();
  }
}

/**
 * Runs the retention now (it also runs every hour): dead letters past RETENTION_DEAD_LETTER_DAYS
 * removed, those in clear or under a retired key sealed with the active one; persons inactive for
 * RETENTION_PERSON_DAYS erased. Ops; each erasure is audited.
 */
@Controller('v1/ops/retention')
@UseGuards(OpsGuard)
export class RetentionController {
  constructor(
    private readonly retention: RetentionService,
    private readonly audit: AuditTrail,
  ) {}

  @Post('sweep')
  @HttpCode(200)
  async sweep(@AdminActor() actor: string) {
    const r = await this.retention.sweep(actor);
    await this.audit.append([{ action: 'retention-swept', subjectType: 'dead-letter', subjectId: 'retention', actor, detail: { ...r } }]);
    return r;
  }
}
