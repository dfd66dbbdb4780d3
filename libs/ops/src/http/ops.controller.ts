import { Body, Controller, Get, HttpCode, Param, Post, Query, Res, StreamableFile, UseGuards } from '@nestjs/common';
import { Response } from 'express';
import { AuditTrail } from '@pdp/audit';
import { SignalementTopics, Topics } from '@pdp/contracts';
import { AdminActor, AdminGuard, OpsGuard, pageOf, parseListQuery, ProblemException, ProblemViolation } from '@pdp/http';
import { OpsService } from '../ops';

const STAGES = ['gateway', 'normalizer', 'router', 'metrics', 'coordinator'] as const;
const TOPICS = [...Object.values(Topics), ...Object.values(SignalementTopics)];
const PARKED_REASONS = ['employer-unknown', 'consent-refused', 'consent-withdrawn'];
const MESSAGE_KINDS = ['sick-leave', 'signalement', 'accompaniment-report', 'outcome', 'dead-lettered'];
/** One replay request moves at most this many dead letters (a larger backlog is replayed in several). */
const MAX_REPLAY = 1000;
const DEAD_LETTER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The operators' lists and actions over every flow (docs/operations.md, "Dead letters"): pages
 * with filters and cursors, each message's trace, and the audited replay of dead letters.
 */
@Controller('v1')
@UseGuards(OpsGuard)
export class OpsController {
  constructor(
    private readonly ops: OpsService,
    private readonly audit: AuditTrail,
  ) {}

  @Get('messages/:messageId')
  async trace(@Param('messageId') messageId: string) {
    const trace = await this.ops.trace(messageId);
    if (!trace) throw new ProblemException(404, 'Message not found', `No trace of ${messageId}: not accepted, or still on its way to its first stage.`);
    return trace;
  }

  @Get('ops/messages')
  async messages(@Query() q: Record<string, unknown>) {
    const l = parseListQuery(q, { title: 'Invalid message list query', filters: ['kind'], choices: { kind: MESSAGE_KINDS }, defaultLimit: 50, maxLimit: 200 });
    return pageOf(await this.ops.messages({ kind: l.filters.kind, from: l.from, to: l.to }, l.limit, l.after), l.limit);
  }

  @Get('ops/dead-letters')
  async deadLetters(@Query() q: Record<string, unknown>) {
    const l = parseListQuery(q, {
      title: 'Invalid dead-letter query',
      filters: ['stage', 'topic', 'reason', 'messageId', 'replayed'],
      choices: { stage: STAGES, topic: TOPICS, replayed: ['true', 'false'] },
    });
    const f = l.filters;
    const replayed = f.replayed === undefined ? undefined : f.replayed === 'true';
    return pageOf(await this.ops.deadLetters({ stage: f.stage, topic: f.topic, reason: f.reason, messageId: f.messageId, replayed, from: l.from, to: l.to }, l.limit, l.after), l.limit);
  }

  /** One dead letter with its payload, identity fields masked. */
  @Get('ops/dead-letters/:deadLetterId')
  async deadLetter(@Param('deadLetterId') deadLetterId: string) {
    const d = DEAD_LETTER_ID.test(deadLetterId) ? await this.ops.deadLetter(deadLetterId) : undefined;
    if (!d) throw new ProblemException(404, 'Dead letter not found', `No dead letter ${deadLetterId}.`);
    return d;
  }

  /**
   * A dead letter's original bytes in clear, as the sender sent them: admins only, as they may
   * hold a worker's identity, and each read is audited with who read it.
   */
  @Get('ops/dead-letters/:deadLetterId/original')
  @UseGuards(AdminGuard)
  async original(@Param('deadLetterId') deadLetterId: string, @AdminActor() actor: string, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const bytes = DEAD_LETTER_ID.test(deadLetterId) ? await this.ops.deadLetterOriginal(deadLetterId) : undefined;
    if (!bytes) throw new ProblemException(404, 'Dead letter not found', `No dead letter ${deadLetterId}.`);
    await this.audit.append([{ action: 'dead-letter-read', subjectType: 'dead-letter', subjectId: deadLetterId, actor, detail: { bytes: bytes.length } }]);
    res.setHeader('Cache-Control', 'no-store');
    return new StreamableFile(bytes, { type: 'application/octet-stream', disposition: `attachment; filename="${deadLetterId}.bin"`, length: bytes.length });
  }

  /**
   * Puts dead letters back on their topic: those named (`deadLetterIds`) or those a filter
   * selects (`filter`: stage, topic, reason, messageId, from, to) and not replayed yet, at most
   * 1,000 per request. Each is replayed once; the answer says, for each, replayed,
   * already-replayed (by whom, when) or not-found.
   */
  @Post('ops/dead-letters/replay')
  @HttpCode(200)
  async replay(@Body() body: { deadLetterIds?: unknown; filter?: unknown }, @AdminActor() actor: string) {
    const errors: ProblemViolation[] = [];
    let ids: string[] = [];
    if (body?.deadLetterIds !== undefined && body?.filter !== undefined) errors.push({ path: '/', message: 'give deadLetterIds or filter, not both' });
    else if (Array.isArray(body?.deadLetterIds)) {
      if (body.deadLetterIds.length === 0 || body.deadLetterIds.length > MAX_REPLAY) errors.push({ path: '/deadLetterIds', message: `must list 1 to ${MAX_REPLAY} ids` });
      body.deadLetterIds.forEach((id, i) => {
        if (typeof id !== 'string' || !DEAD_LETTER_ID.test(id)) errors.push({ path: `/deadLetterIds/${i}`, message: 'is not a dead-letter id' });
      });
      ids = body.deadLetterIds as string[];
    } else if (body?.filter !== null && typeof body?.filter === 'object' && !Array.isArray(body.filter)) {
      let l;
      try {
        l = parseListQuery(body.filter as Record<string, unknown>, { title: 'Invalid replay filter', filters: ['stage', 'topic', 'reason', 'messageId'], choices: { stage: STAGES, topic: TOPICS } });
      } catch (e) {
        if (e instanceof ProblemException)
          throw new ProblemException(
            400,
            'Invalid replay',
            'The filter is invalid.',
            (e.errors ?? []).map((v) => ({ path: `/filter/${v.path}`, message: v.message })),
          );
        throw e;
      }
      if ('limit' in (body.filter as object) || 'cursor' in (body.filter as object)) errors.push({ path: '/filter', message: 'a replay filter takes stage, topic, reason, messageId, from and to' });
      else ids = await this.ops.replayable({ ...l.filters, from: l.from, to: l.to }, MAX_REPLAY);
    } else errors.push({ path: '/deadLetterIds', message: 'is required (or filter)' });
    if (errors.length) throw new ProblemException(400, 'Invalid replay', `${errors.length} violation(s)`, errors);
    const results = await this.ops.replay(ids, actor);
    const count = (s: string) => results.filter((r) => r.status === s).length;
    return { replayed: count('replayed'), alreadyReplayed: count('already-replayed'), notFound: count('not-found'), results };
  }

  @Get('ops/parked')
  async parked(@Query() q: Record<string, unknown>) {
    const l = parseListQuery(q, { title: 'Invalid parked-case query', filters: ['reason', 'employer'], choices: { reason: PARKED_REASONS } });
    return pageOf(await this.ops.parked({ reasonCode: l.filters.reason, employerSiret: l.filters.employer, from: l.from, to: l.to }, l.limit, l.after), l.limit);
  }

  @Get('ops/withheld')
  async withheld(@Query() q: Record<string, unknown>) {
    const l = parseListQuery(q, { title: 'Invalid withheld-item query', filters: ['partner', 'category', 'reason'] });
    return pageOf(await this.ops.withheld({ partnerId: l.filters.partner, category: l.filters.category, reasonCode: l.filters.reason, from: l.from, to: l.to }, l.limit, l.after), l.limit);
  }
}
