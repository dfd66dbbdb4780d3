import { createHash, randomUUID } from 'crypto';
import { FollowUp, Topics } from '@pdp/contracts';
import { jsonMessage, MessageBus } from '@pdp/bus';
import { Database, Sql } from '@pdp/db';
import { followUpStatusSql, RecordedOutcome } from '@pdp/metrics';

export type FollowUpStatus = FollowUp['status'];

export interface FollowUpOptions {
  /** Reports of one person whose windows are this close are one case (as in the metrics). */
  gapDays: number;
  graceDays: number;
}

/** IGAS recommendation 20: the follow-up is due 6 months after the end of the accompaniment. */
const FOLLOW_UP_MONTHS = 6;

export interface FollowUpView {
  followUpId: string;
  status: FollowUpStatus;
  personPseudonym: string;
  point: FollowUp['point'];
  baseDate: string;
  dueDate: string;
  doneDate?: string;
  responsiblePartnerId: string;
  responsibleReason: FollowUp['responsibleReason'];
  reportedBy: string;
  reportId: string;
  episodeId?: string;
}

interface FollowUpRow {
  follow_up_id: string;
  status: FollowUpStatus;
  person_pseudonym: string;
  point: FollowUp['point'];
  base_date: string;
  due_date: string;
  done_date: string | null;
  responsible_partner_id: string;
  responsible_reason: FollowUp['responsibleReason'];
  reported_by: string;
  report_id: string;
  episode_id: string | null;
}

/**
 * Each person's chef de file: one named through recordChefDeFile(), else the latest one the
 * signalement flow (table case_leads) assigned to a partner.
 */
const CHEF_DE_FILE = `
  SELECT DISTINCT ON (person_pseudonym) person_pseudonym, partner_id FROM (
    SELECT person_pseudonym, partner_id, assigned_at, 0 AS source FROM follow_up_chef_de_file
    UNION ALL
    SELECT person_pseudonym, partner_id, assigned_at, 1 FROM case_leads WHERE partner_id IS NOT NULL) leads
  ORDER BY person_pseudonym, source, assigned_at DESC`;

const SELECT = `SELECT f.follow_up_id, f.person_pseudonym, f.point, to_char(f.base_date, 'YYYY-MM-DD') AS base_date, to_char(f.due_date, 'YYYY-MM-DD') AS due_date,
  to_char(f.done_date, 'YYYY-MM-DD') AS done_date, f.responsible_partner_id, f.responsible_reason, f.reported_by, f.report_id, f.episode_id`;

/**
 * Follow-ups (IGAS recommendation 20): when a partner reports the end of an accompaniment, a
 * follow-up becomes owed 6 months later by the case's chef de file (or, while none is known, by
 * the reporting partner). Reports of the same case close to each other share one follow-up; a
 * report at the 6- or 12-month point of the case marks it done, whichever arrives first.
 */
export class FollowUpService {
  constructor(
    private readonly db: Database,
    private readonly bus: MessageBus,
    private readonly options: FollowUpOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Schedules and closes follow-ups for recorded outcomes (after the metrics stored them). */
  async onOutcomes(outcomes: RecordedOutcome[], episodes: Map<string, string> = new Map()): Promise<void> {
    if (outcomes.length === 0) return;
    const ends = mergeEnds(
      outcomes.filter((o) => o.followUpPoint === 'end'),
      this.options.gapDays,
    );
    const persons = [...new Set(outcomes.map((o) => o.personPseudonym))];
    const gap = this.options.gapDays;
    await this.db.transaction(async (tx) => {
      if (ends.length > 0) {
        // A later end of the same case moves its (open) follow-up.
        await tx.query(
          `UPDATE follow_ups f SET base_date = v.e, due_date = (v.e + make_interval(months => $4))::date, updated_at = now()
             FROM unnest($1::text[], $2::date[]) AS v(p, e)
            WHERE f.person_pseudonym = v.p AND abs(f.base_date - v.e) <= $3 AND v.e > f.base_date AND f.done_date IS NULL`,
          [ends.map((e) => e.personPseudonym), ends.map((e) => e.endDate), gap, FOLLOW_UP_MONTHS],
        );
        await tx.query(
          `INSERT INTO follow_ups (follow_up_id, person_pseudonym, point, base_date, due_date, responsible_partner_id, responsible_reason, departement, reported_by, report_id, episode_id)
           SELECT v.id, v.p, '6m', v.e, (v.e + make_interval(months => $9))::date, coalesce(c.partner_id, v.r),
                  CASE WHEN c.partner_id IS NULL THEN 'reporting-partner' ELSE 'chef-de-file' END, v.dep, v.r, v.rid, v.ep
             FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[], $6::text[], $7::text[]) AS v(id, p, e, r, dep, rid, ep)
             LEFT JOIN (${CHEF_DE_FILE}) c ON c.person_pseudonym = v.p
            WHERE NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.person_pseudonym = v.p AND abs(f.base_date - v.e) <= $8)
           ON CONFLICT (follow_up_id) DO NOTHING`,
          [
            ends.map((e) => followUpId(e.personPseudonym, e.endDate)),
            ends.map((e) => e.personPseudonym),
            ends.map((e) => e.endDate),
            ends.map((e) => e.reporterId),
            ends.map((e) => e.departement ?? 'unknown'),
            ends.map((e) => e.reportId),
            ends.map((e) => episodes.get(`${e.reporterId}:${e.reportId}`) ?? null),
            gap,
            FOLLOW_UP_MONTHS,
          ],
        );
      }
      // Done: a report at the 6- or 12-month point of the same case, stored before or now.
      await tx.query(
        `UPDATE follow_ups f SET done_date = d.done, updated_at = now()
           FROM (SELECT f2.follow_up_id, min(date '1970-01-01' + e.outcome_day) AS done
                   FROM follow_ups f2
                   JOIN metric_persons mp ON mp.person_pseudonym = f2.person_pseudonym
                   JOIN outcome_events e ON e.person_no = mp.person_no AND e.follow_up >= 2
                  WHERE f2.person_pseudonym = ANY($1::text[]) AND f2.done_date IS NULL
                    AND abs(e.end_day - (f2.base_date - date '1970-01-01')) <= $2
                  GROUP BY f2.follow_up_id) d
          WHERE f.follow_up_id = d.follow_up_id`,
        [persons, gap],
      );
    });
  }

  /** The chef de file of a person's case (the signalement flow calls this); open follow-ups move to it. */
  async recordChefDeFile(personPseudonym: string, partnerId: string, reason?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO follow_up_chef_de_file (person_pseudonym, partner_id, assigned_at, reason) VALUES ($1, $2, $3, $4)
         ON CONFLICT (person_pseudonym) DO UPDATE SET partner_id = excluded.partner_id, assigned_at = excluded.assigned_at, reason = excluded.reason`,
        [personPseudonym, partnerId, this.clock().toISOString(), reason ?? null],
      );
      await tx.query(
        `UPDATE follow_ups SET responsible_partner_id = $2, responsible_reason = 'chef-de-file', updated_at = now()
          WHERE person_pseudonym = $1 AND done_date IS NULL`,
        [personPseudonym, partnerId],
      );
    });
  }

  /** A partner's follow-ups in a status at a date (today by default), earliest due first. */
  async list(partnerId: string, status: FollowUpStatus, asOf = this.today(), limit = 500): Promise<FollowUpView[]> {
    const { rows } = await this.db.query<FollowUpRow>(
      `SELECT * FROM (${SELECT}, ${followUpStatusSql('$2', '$3')} AS status FROM follow_ups f WHERE f.responsible_partner_id = $1) x
        WHERE status = $4 ORDER BY due_date, follow_up_id LIMIT $5`,
      [partnerId, asOf, this.options.graceDays, status, limit],
    );
    return rows.map(toView);
  }

  /**
   * Publishes every follow-up whose status changed since it was last published (scheduled, due,
   * overdue, done) on the follow-up topic; run periodically and on demand.
   */
  async sweep(asOf = this.today()): Promise<{ published: number }> {
    // Chefs de file named since the follow-ups were scheduled take them over.
    await this.db.query(
      `UPDATE follow_ups f SET responsible_partner_id = c.partner_id, responsible_reason = 'chef-de-file', emitted_status = NULL, updated_at = now()
         FROM (${CHEF_DE_FILE}) c
        WHERE c.person_pseudonym = f.person_pseudonym AND f.done_date IS NULL AND f.responsible_partner_id <> c.partner_id`,
    );
    let published = 0;
    for (;;) {
      const n = await this.db.transaction(async (tx) => {
        const { rows } = await tx.query<FollowUpRow>(
          `SELECT * FROM (${SELECT}, ${followUpStatusSql('$1', '$2')} AS status, f.emitted_status FROM follow_ups f) x
            WHERE emitted_status IS DISTINCT FROM status ORDER BY follow_up_id LIMIT 5000`,
          [asOf, this.options.graceDays],
        );
        if (rows.length === 0) return 0;
        const emittedAt = this.clock().toISOString();
        const events: FollowUp[] = rows.map((r) => toEvent(toView(r), emittedAt));
        await this.bus.publish(
          Topics.followUp,
          events.map((e) => jsonMessage(e.personPseudonym, e)),
        );
        await markEmitted(tx, rows);
        return rows.length;
      });
      published += n;
      if (n === 0) return { published };
    }
  }

  private today(): string {
    return this.clock().toISOString().slice(0, 10);
  }
}

async function markEmitted(tx: Sql, rows: FollowUpRow[]): Promise<void> {
  await tx.query(`UPDATE follow_ups f SET emitted_status = v.s FROM unnest($1::text[], $2::text[]) AS v(id, s) WHERE f.follow_up_id = v.id`, [
    rows.map((r) => r.follow_up_id),
    rows.map((r) => r.status),
  ]);
}

/** Ends of one person within the gap of each other are one case: its latest end stands. */
function mergeEnds(ends: RecordedOutcome[], gapDays: number): RecordedOutcome[] {
  const byPerson = new Map<string, RecordedOutcome[]>();
  for (const e of ends) byPerson.set(e.personPseudonym, [...(byPerson.get(e.personPseudonym) ?? []), e]);
  const merged: RecordedOutcome[] = [];
  const day = (d: string) => Date.parse(d) / 86_400_000;
  for (const list of byPerson.values()) {
    list.sort((a, b) => a.endDate.localeCompare(b.endDate) || a.reporterId.localeCompare(b.reporterId));
    let current = list[0];
    for (const e of list.slice(1)) {
      if (day(e.endDate) - day(current.endDate) <= gapDays) current = e;
      else {
        merged.push(current);
        current = e;
      }
    }
    merged.push(current);
  }
  return merged;
}

/** Pseudonymous, stable id: the same case's follow-up gets the same id on a replay. */
function followUpId(personPseudonym: string, baseDate: string): string {
  return createHash('sha256').update(`follow-up:${personPseudonym}:${baseDate}`).digest('base64url').slice(0, 22);
}

function toView(r: FollowUpRow): FollowUpView {
  return {
    followUpId: r.follow_up_id,
    status: r.status,
    personPseudonym: r.person_pseudonym,
    point: r.point,
    baseDate: r.base_date,
    dueDate: r.due_date,
    ...(r.done_date ? { doneDate: r.done_date } : {}),
    responsiblePartnerId: r.responsible_partner_id,
    responsibleReason: r.responsible_reason,
    reportedBy: r.reported_by,
    reportId: r.report_id,
    ...(r.episode_id ? { episodeId: r.episode_id } : {}),
  };
}

function toEvent(v: FollowUpView, emittedAt: string): FollowUp {
  return {
    schemaVersion: 'follow-up/1',
    eventId: randomUUID(),
    followUpId: v.followUpId,
    status: v.status,
    personPseudonym: v.personPseudonym,
    responsiblePartnerId: v.responsiblePartnerId,
    responsibleReason: v.responsibleReason,
    point: v.point,
    baseDate: v.baseDate,
    dueDate: v.dueDate,
    ...(v.doneDate ? { doneDate: v.doneDate } : {}),
    emittedAt,
  };
}
