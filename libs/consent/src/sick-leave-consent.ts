import { CaseEvent, Topics } from '@pdp/contracts';
import { jsonMessage, MessageBus } from '@pdp/bus';
import { Database, Sql } from '@pdp/db';
import { InboxStore, ParkedCaseStore } from '@pdp/inbox';
import { ConsentStore } from './consent.store';

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
  const persons = [...new Set(onConsent.map((e) => e.personPseudonym))];
  const rows = await new ConsentStore(sql).latestInForce(persons, SICK_LEAVE_CONSENT.purpose, SICK_LEAVE_CONSENT.category, at.toISOString());
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
 * (and are released if the person consents again).
 */
export async function pullBackSickLeaveItems(tx: Sql, personPseudonym: string, withholding: ConsentWithholding): Promise<{ itemId: string; partnerId: string; episodeId: string }[]> {
  return new InboxStore(tx).pullBackConsentItems(tx, personPseudonym, withholding.reasonCode, withholding.reason);
}

/** A renewed consent sends the person's consent-parked episodes back through routing. */
export async function releaseConsentParked(db: Database, bus: MessageBus, personPseudonym: string): Promise<number> {
  const parked = new ParkedCaseStore(db);
  const cases = await parked.consentParkedOf(personPseudonym);
  if (cases.length === 0) return 0;
  await bus.publish(
    Topics.caseNormalized,
    cases.map((c) => jsonMessage(c.caseEvent.personPseudonym, c.caseEvent, { 'x-released-from': 'parked' })),
  );
  await parked.markReleased(cases.map((c) => c.parkedId));
  return cases.length;
}
