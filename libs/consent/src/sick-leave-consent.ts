import { CaseEvent, Topics } from '@pdp/contracts';
import { jsonMessage, MessageBus } from '@pdp/bus';
import { Database, Sql } from '@pdp/db';

/** The registry entry that governs the insurer's transmission of a leave in the transitional phase. */
export const SICK_LEAVE_CONSENT = { purpose: 'sick-leave-transmission', category: 'spsti' } as const;

export type ConsentWithholding = { reasonCode: 'consent-refused' | 'consent-withdrawn'; reason: string };

/**
 * Episodes transmitted on the person's consent (transitional phase) are withheld when the
 * consent registry's latest record in force refuses or withdraws it, whatever the notification
 * said. Episodes resting on the legal obligation (art. L.4622-2-1) need no consent.
 * One query per batch.
 */
export async function sickLeaveConsentWithholdings(sql: Sql, events: CaseEvent[], at: Date): Promise<Map<string, ConsentWithholding>> {
  const onConsent = events.filter((e) => e.legalBasis === 'consent');
  const result = new Map<string, ConsentWithholding>();
  if (onConsent.length === 0) return result;
  const { rows } = await sql.query<{ person_pseudonym: string; status: string; consent_id: string }>(
    `SELECT DISTINCT ON (person_pseudonym) person_pseudonym, status, consent_id
       FROM consent_records
      WHERE person_pseudonym = ANY($1::text[]) AND purpose = $2 AND recipient_category = $3 AND effective_at <= $4
      ORDER BY person_pseudonym, effective_at DESC, recorded_at DESC, consent_id DESC`,
    [[...new Set(onConsent.map((e) => e.personPseudonym))], SICK_LEAVE_CONSENT.purpose, SICK_LEAVE_CONSENT.category, at.toISOString()],
  );
  const latest = new Map(rows.map((r) => [r.person_pseudonym, r]));
  for (const e of onConsent) {
    const r = latest.get(e.personPseudonym);
    if (!r || r.status === 'granted') continue;
    const reasonCode = r.status === 'refused' ? 'consent-refused' : 'consent-withdrawn';
    result.set(e.episodeId, { reasonCode, reason: `sick-leave transmission consent ${r.status} (${r.consent_id})` });
  }
  return result;
}

/**
 * A withdrawal pulls back the person's sick-leave items that rest on consent and were not yet
 * acknowledged: they leave the inbox and are parked with the reason, so they can still be found
 * (and are released if the person consents again). The person's episodes come from the
 * episodes' person index, so it reads that person's items, not the whole inbox.
 */
export async function pullBackSickLeaveItems(tx: Sql, personPseudonym: string, withholding: ConsentWithholding): Promise<{ itemId: string; partnerId: string; episodeId: string }[]> {
  const { rows } = await tx.query<{ item_id: string; partner_id: string; episode_id: string }>(
    `WITH gone AS (
       DELETE FROM inbox_items
        WHERE episode_id IN (SELECT episode_id FROM episodes WHERE person_pseudonym = $1)
          AND item_type = 'sick-leave' AND legal_basis = 'consent' AND status <> 'acknowledged'
          AND payload->'caseEvent'->>'personPseudonym' = $1
       RETURNING item_id, partner_id, episode_id, payload->'caseEvent' AS case_event),
     parked AS (
       INSERT INTO parked_cases (parked_id, episode_id, reason_code, reason, employer_siret, case_event)
       SELECT episode_id, episode_id, $2, $3, case_event->>'employerSiret', case_event FROM gone
       ON CONFLICT (parked_id) DO UPDATE SET reason_code = excluded.reason_code, reason = excluded.reason,
         case_event = excluded.case_event, released_at = NULL, parked_at = now())
     SELECT item_id, partner_id, episode_id FROM gone`,
    [personPseudonym, withholding.reasonCode, withholding.reason],
  );
  return rows.map((r) => ({ itemId: r.item_id, partnerId: r.partner_id, episodeId: r.episode_id }));
}

/** A renewed consent sends the person's consent-parked episodes back through routing. */
export async function releaseConsentParked(db: Database, bus: MessageBus, personPseudonym: string): Promise<number> {
  const { rows } = await db.query<{ parked_id: string; case_event: CaseEvent }>(
    `SELECT parked_id, case_event FROM parked_cases
      WHERE parked_id IN (SELECT episode_id FROM episodes WHERE person_pseudonym = $1)
        AND released_at IS NULL AND reason_code LIKE 'consent-%' AND case_event->>'personPseudonym' = $1`,
    [personPseudonym],
  );
  if (rows.length === 0) return 0;
  await bus.publish(
    Topics.caseNormalized,
    rows.map((r) => jsonMessage(r.case_event.personPseudonym, r.case_event, { 'x-released-from': 'parked' })),
  );
  await db.query('UPDATE parked_cases SET released_at = now() WHERE parked_id = ANY($1::text[])', [rows.map((r) => r.parked_id)]);
  return rows.length;
}
