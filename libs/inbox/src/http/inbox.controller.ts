import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { createHash } from 'crypto';
import { Response } from 'express';
import { isIsoDateTime } from '@pdp/contracts';
import { AuthenticatedPartner, CurrentPartner, decodeCursor, encodeCursor, PartnerGuard, ProblemException } from '@pdp/http';
import { InboxItem, InboxService, InboxStatus } from '../inbox';

const STATUSES = ['pending', 'new', 'updated', 'acknowledged', 'all'];

/** A weak validator of what a response shows: the items' ids, versions and statuses. */
function etagOf(items: InboxItem[]): string {
  const h = createHash('sha256');
  for (const i of items) h.update(`${i.itemId}:${i.version}:${i.status}\n`);
  return `W/"${h.digest('base64url').slice(0, 27)}"`;
}

/** SPSTI software (and every partner) reads its own inbox, and only its own. */
@Controller('v1/inbox')
@UseGuards(PartnerGuard)
export class InboxController {
  constructor(private readonly inbox: InboxService) {}

  /**
   * A page of the partner's items in the order they were last written. `cursor` (the previous
   * page's `nextCursor`) continues the walk, `since` starts after an instant; an item updated
   * later comes again further on. `If-None-Match` with the page's ETag answers 304.
   */
  @Get()
  async list(
    @CurrentPartner() partner: AuthenticatedPartner,
    @Res({ passthrough: true }) res: Response,
    @Query('status') status?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
    @Query('since') since?: string,
    @Headers('if-none-match') ifNoneMatch?: string,
  ) {
    const errors: { path: string; message: string }[] = [];
    if (status !== undefined && !STATUSES.includes(status)) errors.push({ path: 'status', message: `must be one of ${STATUSES.join(', ')}` });
    const n = limit === undefined ? undefined : Number(limit);
    if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > 1000)) errors.push({ path: 'limit', message: 'must be an integer from 1 to 1000' });
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (after === null) errors.push({ path: 'cursor', message: 'is not a cursor this inbox gave' });
    if (since !== undefined && !isIsoDateTime(since)) errors.push({ path: 'since', message: 'must be an ISO 8601 instant with its offset' });
    if (errors.length) throw new ProblemException(400, 'Invalid inbox query', `${errors.length} violation(s)`, errors);
    const page = await this.inbox.list(partner.partnerId, {
      status: status as InboxStatus | 'pending' | 'all' | undefined,
      limit: n,
      cursor: after ? { at: after.at, itemId: after.id } : undefined,
      since,
    });
    const etag = etagOf(page.items);
    res.setHeader('ETag', etag);
    if (ifNoneMatch === etag) {
      res.status(304);
      return;
    }
    return { partnerId: partner.partnerId, items: page.items, nextCursor: page.nextCursor ? encodeCursor({ at: page.nextCursor.at, id: page.nextCursor.itemId }) : null };
  }

  @Get(':itemId')
  async get(@CurrentPartner() partner: AuthenticatedPartner, @Param('itemId') itemId: string, @Res({ passthrough: true }) res: Response, @Headers('if-none-match') ifNoneMatch?: string) {
    const item = await this.inbox.read(partner.partnerId, itemId);
    // 404 rather than 403: another partner's item id reveals nothing.
    if (!item) throw new ProblemException(404, 'Inbox item not found', `No item ${itemId} in the inbox of ${partner.partnerId}.`);
    const etag = etagOf([item]);
    res.setHeader('ETag', etag);
    if (ifNoneMatch === etag) {
      res.status(304);
      return;
    }
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
