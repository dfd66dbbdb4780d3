import { Controller, Get, HttpCode, Inject, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { Request, Response } from 'express';
import { Database, DATABASE } from '@pdp/db';
import { AdminActor, AggregatesGuard, OpsGuard, ProblemException } from '@pdp/http';
import { AuditTrail } from '@pdp/audit';
import { followUpMetrics, MetricQueryError, MetricTable } from '@pdp/metrics';
import { OUTCOME_SERVICES, OutcomeServices } from '../services';
import { publishStandardSnapshots } from '../snapshots';
import { filterOf, flag, render, wantsCsv } from './params';

type Q = Record<string, string | undefined>;

/** Harmonised, deduplicated and masked metrics (JSON or CSV); see contracts/openapi/metrics.v1.yaml. */
@Controller('v1/metrics')
export class MetricsController {
  constructor(
    @Inject(OUTCOME_SERVICES) private readonly flow: OutcomeServices,
    @Inject(DATABASE) private readonly db: Database,
    private readonly audit: AuditTrail,
  ) {}

  @Get('maintiens')
  @UseGuards(AggregatesGuard)
  maintiens(@Query() q: Q, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.table(req, res, q, () => this.flow.queries.maintiens({ ...filterOf(q), detail: flag(q.detail) }));
  }

  @Get('outcomes')
  @UseGuards(AggregatesGuard)
  outcomes(@Query() q: Q, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.table(req, res, q, () => this.flow.queries.outcomes({ ...filterOf(q, ['outcome']), detail: flag(q.detail) }));
  }

  @Get('measures')
  @UseGuards(AggregatesGuard)
  measures(@Query() q: Q, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.table(req, res, q, () => this.flow.queries.measures({ ...filterOf(q, ['measure']), maintienOnly: flag(q.maintien) }));
  }

  @Get('overlap')
  @UseGuards(AggregatesGuard)
  overlap(@Query() q: Q, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const level = q.level ?? 'category';
    const scope = q.scope ?? 'maintien';
    if (level !== 'partner' && level !== 'category') throw new ProblemException(400, 'Invalid query parameters', 'level must be partner or category');
    if (scope !== 'maintien' && scope !== 'accompaniment') throw new ProblemException(400, 'Invalid query parameters', 'scope must be maintien or accompaniment');
    return this.table(req, res, q, () => this.flow.queries.overlap({ ...filterOf(q), level, scope }));
  }

  @Get('orientations')
  @UseGuards(AggregatesGuard)
  orientations(@Query() q: Q, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.table(req, res, q, () => this.flow.orientations.orientations({ ...filterOf(q, ['senderCategory', 'recipientCategory']), reciprocal: flag(q.reciprocal) }));
  }

  @Get('timeliness')
  @UseGuards(AggregatesGuard)
  timeliness(@Query() q: Q, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.table(req, res, q, () => this.flow.orientations.timeliness(filterOf(q, ['recipientCategory'])));
  }

  @Get('follow-ups')
  @UseGuards(AggregatesGuard)
  followUps(@Query() q: Q, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const asOf = q.asOf ?? new Date().toISOString().slice(0, 10);
    const c = this.flow.config;
    return this.table(req, res, q, () => followUpMetrics(this.db, filterOf(q, ['status']), asOf, c.followUpGraceDays, c.maskThreshold));
  }

  /** Recomputes every outcome aggregate from the outcome log, then publishes the snapshots (audited). */
  @Post('rebuild')
  @HttpCode(200)
  @UseGuards(OpsGuard)
  async rebuild(@AdminActor() actor: string) {
    const result = await this.flow.store.rebuild();
    const published = await publishStandardSnapshots(this.flow);
    await this.audit.append([
      { action: 'metrics-rebuilt', subjectType: 'metrics', subjectId: 'outcome-aggregates', actor, detail: { events: result.events, cells: result.cells, snapshots: published.length } },
    ]);
    return result;
  }

  @Post('snapshots')
  @HttpCode(202)
  @UseGuards(OpsGuard)
  async snapshots(@AdminActor() actor: string) {
    const published = await publishStandardSnapshots(this.flow);
    await this.audit.append([{ action: 'metrics-snapshots-published', subjectType: 'metrics', subjectId: 'snapshots', actor, detail: { published: published.length } }]);
    return { published: published.length };
  }

  private async table(req: Request, res: Response, q: Q, run: () => Promise<MetricTable>) {
    try {
      const csv = wantsCsv(req, q);
      const t = await run();
      if (csv) res.type('text/csv');
      return render(t, csv);
    } catch (e) {
      if (e instanceof MetricQueryError) throw new ProblemException(400, 'Invalid query parameters', e.message);
      throw e;
    }
  }
}
