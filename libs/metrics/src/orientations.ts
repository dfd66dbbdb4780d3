import { Measure, PartnerCategory, PyramideLevel, Signalement } from '@pdp/contracts';
import { Sql } from '@pdp/db';
import { TableRow } from './masking';
import { MetricQueryError } from './queries';
import { checkDims, finishTable, MetricFilter, MetricTable, periodSql, regionSql, whereClauses } from './table';
import { departementIndex, DEPARTEMENTS } from './territory';

/** One referral to one recipient, as the metrics count it (pseudonymised, no free text). */
export interface OrientationFact {
  signalementId: string;
  senderPartnerId: string;
  senderCategory: PartnerCategory;
  recipientPartnerId?: string;
  recipientCategory: PartnerCategory;
  personPseudonym: string;
  /** Date of the referral decision (signalement/1 `date`). */
  date: string;
  departement?: string;
  reason: Signalement['reason'];
  pyramide?: PyramideLevel;
  requestedMeasures: Measure[];
  consentGranted: boolean;
}

/** The fact of a signalement/1 delivered (or meant) to one recipient; the caller pseudonymised the worker. */
export function orientationFromSignalement(s: Signalement, personPseudonym: string, senderCategory: PartnerCategory, recipient: { partnerId?: string; category: PartnerCategory }): OrientationFact {
  return {
    signalementId: s.signalementId,
    senderPartnerId: s.sender.partnerId,
    senderCategory,
    ...(recipient.partnerId ? { recipientPartnerId: recipient.partnerId } : {}),
    recipientCategory: recipient.category,
    personPseudonym,
    date: s.date,
    ...(s.worker.departement ? { departement: s.worker.departement } : {}),
    reason: s.reason,
    ...(s.pyramide ? { pyramide: s.pyramide } : {}),
    requestedMeasures: s.requestedMeasures,
    consentGranted: s.consent.granted,
  };
}

/**
 * Records orientations for the metrics (idempotent: a re-sent referral keeps its id). Called by
 * the signalement flow once per referral and recipient.
 */
export async function recordOrientation(db: Sql, facts: OrientationFact | OrientationFact[]): Promise<void> {
  const all = Array.isArray(facts) ? facts : [facts];
  if (all.length === 0) return;
  const key = (f: OrientationFact) => f.recipientPartnerId ?? `category:${f.recipientCategory}`;
  const unique = [...new Map(all.map((f) => [`${f.senderPartnerId}\u0000${f.signalementId}\u0000${key(f)}`, f])).values()];
  const col = <T>(fn: (f: OrientationFact) => T) => unique.map(fn);
  await db.query(
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

const ORIENTATION_DIMS: Record<string, string> = {
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

const TIMELINESS_DIMS: Record<string, string> = {
  recipient: 'recipient_key',
  recipientCategory: 'recipient_category',
  departement: 'departement',
  region: regionSql('departement'),
};

export interface OrientationQuery extends MetricFilter {
  /** Only SPSTI ↔ Assurance Maladie (CPAM, service médical, service social) referrals, both ways. */
  reciprocal?: boolean;
}

export class OrientationMetricQueries {
  constructor(
    private readonly db: Sql,
    private readonly threshold: number,
  ) {}

  /** Orientations sent (by=sender) and received (by=recipient) per partner, category, territory… */
  async orientations(q: OrientationQuery): Promise<MetricTable> {
    const problem = checkDims(q.by, ORIENTATION_DIMS);
    if (problem) throw new MetricQueryError(problem);
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
    const table: TableRow[] = rows.map((r) => ({ period: r.period, dims: dimsOf(q.by, r), values: { orientations: Number(r.n) } }));
    return finishTable('orientations', q, table, this.threshold, {});
  }

  /**
   * Days from the start of the sick leave to the first referral of the episode to each
   * recipient. The episode is the person's latest sick leave (episodes table) that started on or
   * before the referral; referrals with no known leave are left out and counted in the notes.
   * Quantiles are published only with their (unmasked) count.
   */
  async timeliness(q: MetricFilter): Promise<MetricTable> {
    const problem = checkDims(q.by, TIMELINESS_DIMS);
    if (problem) throw new MetricQueryError(problem);
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
    const stats = new Map<string, Record<string, number>>();
    const table: TableRow[] = rows.map((r) => {
      const row = { period: r.period, dims: dimsOf(q.by, r), values: { referrals: Number(r.n) } };
      stats.set(JSON.stringify([row.period, row.dims]), { medianDays: Number(r.p50), p25Days: Number(r.p25), p75Days: Number(r.p75), meanDays: Math.round(Number(r.mean) * 10) / 10 });
      return row;
    });
    const unplaced = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM orientation_facts o WHERE NOT EXISTS (
         SELECT 1 FROM episodes ep WHERE ep.person_pseudonym = o.person_pseudonym AND ep.start_date <= o.referral_date)`,
    );
    const t = finishTable('timeliness', q, table, this.threshold, {});
    for (const row of t.rows) if (row.values) Object.assign(row.values, stats.get(JSON.stringify([row.period, row.dimensions])));
    const unplacedCount = Number(unplaced.rows[0].n);
    return { ...t, notes: [`referrals without a known sick leave: ${unplacedCount > 0 && unplacedCount < this.threshold ? `< ${this.threshold}` : unplacedCount}`] };
  }
}

function dimsOf(by: string[], r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(by.map((d, i) => [d, String(r[`d${i}`])]));
}
