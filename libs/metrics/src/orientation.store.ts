import { Sql } from '@pdp/db';
import type { OrientationFact, OrientationQuery } from './orientations';
import { MetricFilter, periodSql, regionSql, whereClauses } from './table';
import { departementIndex, DEPARTEMENTS } from './territory';

/** The dimensions orientations break down by, as columns of orientation_facts. */
export const ORIENTATION_DIMS: Record<string, string> = {
  sender: 'sender_partner_id',
  senderCategory: 'sender_category',
  recipient: 'recipient_key',
  recipientCategory: 'recipient_category',
  departement: 'departement',
  region: regionSql('departement'),
  reason: 'reason',
  pyramide: 'pyramide',
  consent: "(CASE WHEN consent_granted THEN 'granted' ELSE 'missing' END)",
};

/** The Assurance Maladie side of the reciprocal referrals with the SPSTI (CPOM indicator). */
const ASSURANCE_MALADIE = ['cpam', 'service-medical', 'service-social-carsat'];

/** The dimensions timeliness breaks down by, as columns of the first referrals. */
export const TIMELINESS_DIMS: Record<string, string> = {
  recipient: 'recipient_key',
  recipientCategory: 'recipient_category',
  departement: 'departement',
  region: regionSql('departement'),
};

/**
 * The orientation_facts table: one row per referral and recipient (the partner, else its
 * category), with the person's sick leaves (episodes) to place referrals in time.
 */
export class OrientationStore {
  constructor(private readonly db: Sql) {}

  /** Records facts, replacing those of the same referral and recipient (within the facts too: the last stands). */
  async record(facts: OrientationFact[]): Promise<void> {
    const key = (f: OrientationFact) => f.recipientPartnerId ?? `category:${f.recipientCategory}`;
    const unique = [...new Map(facts.map((f) => [`${f.senderPartnerId}\u0000${f.signalementId}\u0000${key(f)}`, f])).values()];
    const col = <T>(fn: (f: OrientationFact) => T) => unique.map(fn);
    await this.db.query(
      `INSERT INTO orientation_facts (sender_partner_id, signalement_id, recipient_key, sender_category, recipient_partner_id, recipient_category,
       person_pseudonym, referral_date, departement, reason, pyramide, requested_measures, consent_granted)
     SELECT s, i, k, sc, rp, rc, p, d, dep, r, py, string_to_array(m, ','), c
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[], $9::text[], $10::text[], $11::text[], $12::text[], $13::boolean[])
         AS t(s, i, k, sc, rp, rc, p, d, dep, r, py, m, c)
     ON CONFLICT (sender_partner_id, signalement_id, recipient_key) DO UPDATE SET
       recipient_partner_id = excluded.recipient_partner_id, person_pseudonym = excluded.person_pseudonym, referral_date = excluded.referral_date,
       departement = excluded.departement, reason = excluded.reason, pyramide = excluded.pyramide,
       requested_measures = excluded.requested_measures, consent_granted = excluded.consent_granted`,
      [
        col((f) => f.senderPartnerId),
        col((f) => f.signalementId),
        col(key),
        col((f) => f.senderCategory),
        col((f) => f.recipientPartnerId ?? null),
        col((f) => f.recipientCategory),
        col((f) => f.personPseudonym),
        col((f) => f.date),
        col((f) => DEPARTEMENTS[departementIndex(f.departement)]),
        col((f) => f.reason),
        col((f) => f.pyramide ?? 'unknown'),
        col((f) => f.requestedMeasures.join(',')),
        col((f) => f.consentGranted),
      ],
    );
  }

  /** Orientations per period and the asked dimensions (ORIENTATION_DIMS): columns period, d0…, n. */
  async count(q: OrientationQuery): Promise<Record<string, string>[]> {
    const params: unknown[] = [];
    const where = whereClauses(q, 'referral_date', 'departement', params);
    if (q.reciprocal) {
      params.push(ASSURANCE_MALADIE);
      const am = `$${params.length}::text[]`;
      where.push(`((sender_category = 'spsti' AND recipient_category = ANY(${am})) OR (sender_category = ANY(${am}) AND recipient_category = 'spsti'))`);
    }
    const dims = q.by.map((d, i) => `${ORIENTATION_DIMS[d]} AS d${i}`);
    const { rows } = await this.db.query<Record<string, string>>(
      `SELECT ${periodSql(q.period, 'referral_date')} AS period${dims.length ? ', ' + dims.join(', ') : ''}, count(*) AS n
         FROM orientation_facts ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
        GROUP BY ${['1', ...q.by.map((_, i) => String(i + 2))].join(', ')}`,
      params,
    );
    return rows;
  }

  /**
   * First referrals of each sick leave to each recipient, per period of the referral and the
   * asked dimensions (TIMELINESS_DIMS): columns period, d0…, n and the days from the start of
   * the leave (p25, p50, p75, mean). The leave is the person's latest that started on or
   * before the referral; referrals with none are left out.
   */
  async timeliness(q: MetricFilter): Promise<Record<string, string>[]> {
    const params: unknown[] = [];
    const where = whereClauses(q, 'first_date', 'departement', params);
    const dims = q.by.map((d, i) => `${TIMELINESS_DIMS[d]} AS d${i}`);
    const sql = `
      WITH placed AS (
        SELECT o.recipient_key, o.recipient_category, o.departement, o.referral_date, e.episode_id, e.start_date
          FROM orientation_facts o
          LEFT JOIN LATERAL (
            SELECT ep.episode_id, ep.start_date
              FROM episodes ep
             WHERE ep.person_pseudonym = o.person_pseudonym AND ep.start_date <= o.referral_date
             ORDER BY 2 DESC LIMIT 1) e ON true
      ), firsts AS (
        SELECT recipient_key, recipient_category, min(departement) AS departement, episode_id, min(start_date) AS start_date, min(referral_date) AS first_date
          FROM placed WHERE episode_id IS NOT NULL GROUP BY recipient_key, recipient_category, episode_id
      )
      SELECT ${periodSql(q.period, 'first_date')} AS period${dims.length ? ', ' + dims.join(', ') : ''}, count(*) AS n,
             percentile_cont(0.25) WITHIN GROUP (ORDER BY first_date - start_date) AS p25,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY first_date - start_date) AS p50,
             percentile_cont(0.75) WITHIN GROUP (ORDER BY first_date - start_date) AS p75,
             avg(first_date - start_date) AS mean
        FROM firsts ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
       GROUP BY ${['1', ...q.by.map((_, i) => String(i + 2))].join(', ')}`;
    const { rows } = await this.db.query<Record<string, string>>(sql, params);
    return rows;
  }

  /** How many referrals have no sick leave of their person started on or before them. */
  async countUnplaced(): Promise<number> {
    const unplaced = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM orientation_facts o WHERE NOT EXISTS (
         SELECT 1 FROM episodes ep WHERE ep.person_pseudonym = o.person_pseudonym AND ep.start_date <= o.referral_date)`,
    );
    return Number(unplaced.rows[0].n);
  }
}
