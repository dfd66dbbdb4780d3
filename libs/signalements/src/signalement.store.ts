import { Sql } from '@pdp/db';
import { CanonicalSignalement } from './intake';

/**
 * The referrals table: each signalement as the hub received it (a referral, keyed by its
 * sender and id), in its canonical, pseudonymised form.
 */
export class SignalementStore {
  constructor(private readonly db: Sql) {}

  /**
   * Records a referral, or replaces it with a re-sent version (same referral id) sent no earlier
   * than the one held: a correction. Returns false when the one held is newer (an older message
   * arriving late, or consumed again): it changes nothing, though its message stays traceable.
   */
  async save(tx: Sql, referral: CanonicalSignalement, rulesVersion: string): Promise<boolean> {
    // The referral and the message that carried it, in one statement.
    const { rows } = await tx.query<{ current: number }>(
      `WITH saved AS (
         INSERT INTO referrals (referral_id, sender_id, signalement_id, message_id, case_id, person_pseudonym, reason, pyramide, referral_date, rules_version, canonical)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (referral_id) DO UPDATE SET message_id = excluded.message_id, reason = excluded.reason, pyramide = excluded.pyramide,
           referral_date = excluded.referral_date, rules_version = excluded.rules_version, canonical = excluded.canonical, updated_at = now()
         WHERE (referrals.canonical->>'sentAt')::timestamptz <= (excluded.canonical->>'sentAt')::timestamptz
         RETURNING referral_id),
       traced AS (
         INSERT INTO coordination_messages (message_id, subject_type, subject_id) VALUES ($4, 'signalement', $1) ON CONFLICT DO NOTHING)
       SELECT count(*)::int AS current FROM saved`,
      [
        referral.referralId,
        referral.senderId,
        referral.signalementId,
        referral.messageId,
        referral.caseId,
        referral.personPseudonym,
        referral.reason,
        referral.pyramide ?? null,
        referral.date,
        rulesVersion,
        JSON.stringify(referral),
      ],
    );
    return rows[0].current > 0;
  }

  /** Whether the consent registry already holds what a source (a signalement) stated. */
  async consentStated(tx: Sql, source: string): Promise<boolean> {
    const known = await tx.query('SELECT 1 FROM consent_records WHERE source = $1 LIMIT 1', [source]);
    return known.rows.length > 0;
  }

  /** A person's referrals with a decision withheld for want of consent (not of a recipient). */
  async withheldForConsent(person: string): Promise<CanonicalSignalement[]> {
    const { rows } = await this.db.query<{ canonical: CanonicalSignalement }>(
      `SELECT DISTINCT r.referral_id, r.canonical FROM referrals r JOIN coordination_deliveries d ON d.subject_id = r.referral_id
        WHERE d.person_pseudonym = $1 AND d.status = 'withheld' AND d.reason_code <> 'no-recipient'`,
      [person],
    );
    return rows.map((r) => r.canonical);
  }
}
