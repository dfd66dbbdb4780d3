import { FollowUp } from '@pdp/contracts';
import { Sql } from '@pdp/db';
import { followUpStatusSql } from '@pdp/metrics';

/** A follow-up as stored, with its status at the date asked. */
export interface FollowUpRow {
  follow_up_id: string;
  status: FollowUp['status'];
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

/** The end of an accompaniment a follow-up is owed for (one per case, see mergeEnds). */
export interface FollowUpEnd {
  followUpId: string;
  personPseudonym: string;
  endDate: string;
  reporterId: string;
  departement: string;
  reportId: string;
  episodeId: string | null;
}

/**
 * Each person's chef de file: one named for its follow-ups (follow_up_chef_de_file), else the
 * latest one the coordination flows (table case_leads) assigned to a partner.
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
 * The follow_ups table (one follow-up per case, owed months after the end of its
 * accompaniment) and the chefs de file named for them (follow_up_chef_de_file).
 */
export class FollowUpStore {
  constructor(private readonly db: Sql) {}

  /** Moves the open follow-up of a case (base within gapDays) to a later end of it, due months after. */
  async moveToLaterEnds(tx: Sql, ends: FollowUpEnd[], gapDays: number, months: number): Promise<void> {
    await tx.query(
      `UPDATE follow_ups f SET base_date = v.e, due_date = (v.e + make_interval(months => $4))::date, updated_at = now()
             FROM unnest($1::text[], $2::date[]) AS v(p, e)
            WHERE f.person_pseudonym = v.p AND abs(f.base_date - v.e) <= $3 AND v.e > f.base_date AND f.done_date IS NULL`,
      [ends.map((e) => e.personPseudonym), ends.map((e) => e.endDate), gapDays, months],
    );
  }

  /**
   * Schedules a follow-up, due months after, for each end whose case (base within gapDays) has
   * none yet; owed by the person's chef de file, else by the reporting partner.
   */
  async schedule(tx: Sql, ends: FollowUpEnd[], gapDays: number, months: number): Promise<void> {
    await tx.query(
      `INSERT INTO follow_ups (follow_up_id, person_pseudonym, point, base_date, due_date, responsible_partner_id, responsible_reason, departement, reported_by, report_id, episode_id)
           SELECT v.id, v.p, '6m', v.e, (v.e + make_interval(months => $9))::date, coalesce(c.partner_id, v.r),
                  CASE WHEN c.partner_id IS NULL THEN 'reporting-partner' ELSE 'chef-de-file' END, v.dep, v.r, v.rid, v.ep
             FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[], $6::text[], $7::text[]) AS v(id, p, e, r, dep, rid, ep)
             LEFT JOIN (${CHEF_DE_FILE}) c ON c.person_pseudonym = v.p
            WHERE NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.person_pseudonym = v.p AND abs(f.base_date - v.e) <= $8)
           ON CONFLICT (follow_up_id) DO NOTHING`,
      [
        ends.map((e) => e.followUpId),
        ends.map((e) => e.personPseudonym),
        ends.map((e) => e.endDate),
        ends.map((e) => e.reporterId),
        ends.map((e) => e.departement),
        ends.map((e) => e.reportId),
        ends.map((e) => e.episodeId),
        gapDays,
        months,
      ],
    );
  }

  /**
   * Marks done the open follow-ups of these persons for which an outcome at the 6- or 12-month
   * point of the same case (end within gapDays) is stored.
   */
  async closeReported(tx: Sql, persons: string[], gapDays: number): Promise<void> {
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
      [persons, gapDays],
    );
  }

  /** Records the chef de file named for a person (replacing an earlier one). */
  async saveChefDeFile(tx: Sql, personPseudonym: string, partnerId: string, assignedAt: string, reason: string | null): Promise<void> {
    await tx.query(
      `INSERT INTO follow_up_chef_de_file (person_pseudonym, partner_id, assigned_at, reason) VALUES ($1, $2, $3, $4)
         ON CONFLICT (person_pseudonym) DO UPDATE SET partner_id = excluded.partner_id, assigned_at = excluded.assigned_at, reason = excluded.reason`,
      [personPseudonym, partnerId, assignedAt, reason],
    );
  }

  /** Hands a person's open follow-ups to its chef de file. */
  async assignOpenTo(tx: Sql, personPseudonym: string, partnerId: string): Promise<void> {
    await tx.query(
      `UPDATE follow_ups SET responsible_partner_id = $2, responsible_reason = 'chef-de-file', updated_at = now()
          WHERE person_pseudonym = $1 AND done_date IS NULL`,
      [personPseudonym, partnerId],
    );
  }

  /** A partner's follow-ups in a status at a date (grace: days a due one stays due), earliest due first. */
  async ofPartner(partnerId: string, status: FollowUp['status'], asOf: string, graceDays: number, limit: number): Promise<FollowUpRow[]> {
    const { rows } = await this.db.query<FollowUpRow>(
      `SELECT * FROM (${SELECT}, ${followUpStatusSql('$2', '$3')} AS status FROM follow_ups f WHERE f.responsible_partner_id = $1) x
        WHERE status = $4 ORDER BY due_date, follow_up_id LIMIT $5`,
      [partnerId, asOf, graceDays, status, limit],
    );
    return rows;
  }

  /** Open follow-ups pass to the chef de file named since they were scheduled (to be published again). */
  async handOverToChefsDeFile(): Promise<void> {
    await this.db.query(
      `UPDATE follow_ups f SET responsible_partner_id = c.partner_id, responsible_reason = 'chef-de-file', emitted_status = NULL, updated_at = now()
         FROM (${CHEF_DE_FILE}) c
        WHERE c.person_pseudonym = f.person_pseudonym AND f.done_date IS NULL AND f.responsible_partner_id <> c.partner_id`,
    );
  }

  /** Up to 5000 follow-ups whose status at a date differs from the one last published, by id. */
  async unpublished(tx: Sql, asOf: string, graceDays: number): Promise<FollowUpRow[]> {
    const { rows } = await tx.query<FollowUpRow>(
      `SELECT * FROM (${SELECT}, ${followUpStatusSql('$1', '$2')} AS status, f.emitted_status FROM follow_ups f) x
            WHERE emitted_status IS DISTINCT FROM status ORDER BY follow_up_id LIMIT 5000`,
      [asOf, graceDays],
    );
    return rows;
  }

  /** Records the status each of these follow-ups was published with. */
  async markPublished(tx: Sql, rows: FollowUpRow[]): Promise<void> {
    await tx.query(`UPDATE follow_ups f SET emitted_status = v.s FROM unnest($1::text[], $2::text[]) AS v(id, s) WHERE f.follow_up_id = v.id`, [
      rows.map((r) => r.follow_up_id),
      rows.map((r) => r.status),
    ]);
  }
}
