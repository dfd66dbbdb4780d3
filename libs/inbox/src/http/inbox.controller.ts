import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AuthenticatedPartner, CurrentPartner, PartnerGuard, ProblemException } from '@pdp/http';
import { InboxService, InboxStatus } from '../inbox';

const STATUSES = ['pending', 'new', 'updated', 'acknowledged'];

/** SPSTI software (and every partner) reads its own inbox, and only its own. */
@Controller('v1/inbox')
@UseGuards(PartnerGuard)
export class InboxController {
  constructor(private readonly inbox: InboxService) {}

  @Get()
  async list(@CurrentPartner() partner: AuthenticatedPartner, @Query('status') status?: string, @Query('limit') limit?: string) {
    if (status && !STATUSES.includes(status)) {
      throw new ProblemException(400, 'Invalid status filter', `status must be one of ${STATUSES.join(', ')}`, [{ path: 'status', message: 'unknown status' }]);
    }
    const n = limit === undefined ? undefined : Number(limit);
    if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > 1000)) {
      throw new ProblemException(400, 'Invalid limit', 'limit must be an integer from 1 to 1000', [{ path: 'limit', message: 'out of range' }]);
    }
    const items = await this.inbox.list(partner.partnerId, { status: status as InboxStatus | 'pending' | undefined, limit: n });
    return { partnerId: partner.partnerId, items };
  }

  @Get(':itemId')
  async get(@CurrentPartner() partner: AuthenticatedPartner, @Param('itemId') itemId: string) {
    const item = await this.inbox.get(partner.partnerId, itemId);
    // 404 rather than 403: another partner's item id reveals nothing.
    if (!item) throw new ProblemException(404, 'Inbox item not found', `No item ${itemId} in the inbox of ${partner.partnerId}.`);
    return item;
  }

  @Post(':itemId/ack')
  @HttpCode(200)
  async ack(@CurrentPartner() partner: AuthenticatedPartner, @Param('itemId') itemId: string, @Body() body: { version?: unknown } = {}) {
    const version = body?.version;
    if (version !== undefined && (typeof version !== 'number' || !Number.isInteger(version))) {
      throw new ProblemException(400, 'Invalid acknowledgement', 'version must be an integer', [{ path: '/version', message: 'must be integer' }]);
    }
    const item = await this.inbox.acknowledge(partner.partnerId, itemId, version as number | undefined);
    if (!item) throw new ProblemException(404, 'Inbox item not found', `No item ${itemId} in the inbox of ${partner.partnerId}.`);
    return item;
  }
}
