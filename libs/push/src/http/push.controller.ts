import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { AuditTrail } from '@pdp/audit';
import { AdminActor, AdminGuard, AuthenticatedPartner, CurrentPartner, OpsGuard, pageOf, parseListQuery, PartnerGuard, ProblemException } from '@pdp/http';
import { PartnerRegistry } from '@pdp/partners';
import { WebhookSubscriptions } from '../subscriptions';
import { PushStore } from '../push.store';

const STATUSES = ['pending', 'delivered', 'superseded', 'parked'];
const CHANNELS = ['webhook', 'fhir'];
const EVENT_ID = /^evt_[0-9a-f]{32}$/;
/** One replay request moves at most this many events. */
const MAX_REPLAY = 1000;

/** A partner sets its own webhook: where the hub calls it, and the secret the calls are signed with. */
@Controller('v1/webhook')
@UseGuards(PartnerGuard)
export class WebhookSelfController {
  constructor(private readonly subscriptions: WebhookSubscriptions) {}

  @Get()
  get(@CurrentPartner() partner: AuthenticatedPartner) {
    return this.subscriptions.get(partner.partnerId);
  }

  /** `{url}`; the first time, the answer holds the signing secret, shown this once. */
  @Put()
  set(@CurrentPartner() partner: AuthenticatedPartner, @Body() body: { url?: unknown }) {
    return this.subscriptions.set(partner.partnerId, body?.url, partner.partnerId);
  }

  @Delete()
  remove(@CurrentPartner() partner: AuthenticatedPartner) {
    return this.subscriptions.remove(partner.partnerId, partner.partnerId);
  }

  @Post('secret')
  @HttpCode(201)
  rotate(@CurrentPartner() partner: AuthenticatedPartner) {
    return this.subscriptions.rotateSecret(partner.partnerId, partner.partnerId);
  }
}

/** Operators: a partner's webhook, the pushes to every partner (webhook and FHIR), and their replay. */
@Controller('v1')
export class PushAdminController {
  constructor(
    private readonly subscriptions: WebhookSubscriptions,
    private readonly store: PushStore,
    private readonly partners: PartnerRegistry,
    private readonly audit: AuditTrail,
  ) {}

  private async known(partnerId: string): Promise<void> {
    if (!(await this.partners.get(partnerId))) throw new ProblemException(404, 'Unknown partner', `No partner ${partnerId}.`);
  }

  @Get('partners/:partnerId/webhook')
  @UseGuards(AdminGuard)
  async get(@Param('partnerId') partnerId: string) {
    await this.known(partnerId);
    return this.subscriptions.get(partnerId);
  }

  @Put('partners/:partnerId/webhook')
  @UseGuards(AdminGuard)
  async set(@Param('partnerId') partnerId: string, @Body() body: { url?: unknown }, @AdminActor() actor: string) {
    await this.known(partnerId);
    return this.subscriptions.set(partnerId, body?.url, actor);
  }

  @Delete('partners/:partnerId/webhook')
  @UseGuards(AdminGuard)
  async remove(@Param('partnerId') partnerId: string, @AdminActor() actor: string) {
    await this.known(partnerId);
    return this.subscriptions.remove(partnerId, actor);
  }

  @Post('partners/:partnerId/webhook/secret')
  @UseGuards(AdminGuard)
  @HttpCode(201)
  async rotate(@Param('partnerId') partnerId: string, @AdminActor() actor: string) {
    await this.known(partnerId);
    return this.subscriptions.rotateSecret(partnerId, actor);
  }

  /** The pushes, last changed first: by partner, channel, state, period of last change. */
  @Get('ops/pushes')
  @UseGuards(OpsGuard)
  async list(@Query() q: Record<string, unknown>) {
    const l = parseListQuery(q, { title: 'Invalid push query', filters: ['partnerId', 'channel', 'status'], choices: { status: STATUSES, channel: CHANNELS }, defaultLimit: 50, maxLimit: 500 });
    const rows = await this.store.list({ partnerId: l.filters.partnerId, channel: l.filters.channel, status: l.filters.status, from: l.from, to: l.to }, l.limit + 1, l.after);
    return pageOf(
      rows.map(({ position, ...item }) => ({ item, position })),
      l.limit,
    );
  }

  /**
   * Pushes events again from a first attempt: those named (`eventIds`, whatever their state), or
   * a partner's parked ones (`partnerId`), at most 1,000 per request.
   */
  @Post('ops/pushes/replay')
  @UseGuards(OpsGuard)
  @HttpCode(200)
  async replay(@Body() body: { eventIds?: unknown; partnerId?: unknown }, @AdminActor() actor: string) {
    const ids = body?.eventIds;
    const byIds = Array.isArray(ids) && ids.length > 0 && ids.length <= MAX_REPLAY && ids.every((i) => typeof i === 'string' && EVENT_ID.test(i));
    const byPartner = ids === undefined && typeof body?.partnerId === 'string';
    if (!byIds && !byPartner)
      throw new ProblemException(400, 'Invalid replay', 'Name the events (eventIds: 1 to 1,000 evt_ ids) or a partner whose parked events to push again (partnerId).', [
        { path: '/', message: 'needs eventIds or partnerId' },
      ]);
    if (byPartner) await this.known(body.partnerId as string);
    const replayed = await this.store.replay(byIds ? { eventIds: ids as string[] } : { partnerId: body.partnerId as string }, MAX_REPLAY);
    await this.audit.append([
      {
        action: 'push-replayed',
        subjectType: 'webhook',
        subjectId: byIds ? 'events' : (body.partnerId as string),
        partnerId: byPartner ? (body.partnerId as string) : null,
        actor,
        detail: { events: replayed.length },
      },
    ]);
    return { replayed: replayed.length, eventIds: replayed };
  }
}
