import { Measure, PartnerCategory, PyramideLevel, Signalement } from '@pdp/contracts';
import { Sql } from '@pdp/db';
import { TableRow } from './masking';
import { MetricQueryError } from './queries';
import { OrientationStore, ORIENTATION_DIMS, TIMELINESS_DIMS } from './orientation.store';
import { checkDims, finishTable, MetricFilter, MetricTable } from './table';

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
  await new OrientationStore(db).record(all);
}

export interface OrientationQuery extends MetricFilter {
  /** Only SPSTI ↔ Assurance Maladie (CPAM, service médical, service social) referrals, both ways. */
  reciprocal?: boolean;
}

export class OrientationMetricQueries {
  private readonly store: OrientationStore;

  constructor(
    db: Sql,
    private readonly threshold: number,
  ) {
    this.store = new OrientationStore(db);
  }

  /** Orientations sent (by=sender) and received (by=recipient) per partner, category, territory… */
  async orientations(q: OrientationQuery): Promise<MetricTable> {
    const problem = checkDims(q.by, ORIENTATION_DIMS);
    if (problem) throw new MetricQueryError(problem);
    const rows = await this.store.count(q);
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
    const rows = await this.store.timeliness(q);
    const stats = new Map<string, Record<string, number>>();
    const table: TableRow[] = rows.map((r) => {
      const row = { period: r.period, dims: dimsOf(q.by, r), values: { referrals: Number(r.n) } };
      stats.set(JSON.stringify([row.period, row.dims]), { medianDays: Number(r.p50), p25Days: Number(r.p25), p75Days: Number(r.p75), meanDays: Math.round(Number(r.mean) * 10) / 10 });
      return row;
    });
    const unplacedCount = await this.store.countUnplaced();
    const t = finishTable('timeliness', q, table, this.threshold, {});
    for (const row of t.rows) if (row.values) Object.assign(row.values, stats.get(JSON.stringify([row.period, row.dimensions])));
    return { ...t, notes: [`referrals without a known sick leave: ${unplacedCount > 0 && unplacedCount < this.threshold ? `< ${this.threshold}` : unplacedCount}`, ...(t.notes ?? [])] };
  }
}

function dimsOf(by: string[], r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(by.map((d, i) => [d, String(r[`d${i}`])]));
}
