import { ContractRegistry, Violation } from '@pdp/contracts';
import { AccompanimentReport, SignalementContractIds, Signalement } from '@pdp/contracts';
import { checkIdentity, parseIsoDate, Pseudonymizer } from '@pdp/domain';
import { caseIdOf } from '@pdp/domain';
import { referralIdOf } from './ids';

/** A signalement after validation, reduced to what the hub keeps: no NIR, no names. */
export interface CanonicalSignalement {
  referralId: string;
  caseId: string;
  personPseudonym: string;
  signalementId: string;
  messageId: string;
  senderId: string;
  professional?: string;
  recipient: Signalement['recipient'];
  employer?: Signalement['employer'];
  workerDepartement?: string;
  date: string;
  reason: Signalement['reason'];
  reasonDetail?: string;
  pyramide?: Signalement['pyramide'];
  /** Sensitive: only copied into deliveries allowed to carry it. */
  irdp?: number;
  requestedMeasures: Signalement['requestedMeasures'];
  rqth?: boolean;
  urgency: Signalement['urgency'];
  consent: Signalement['consent'];
  sentAt: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string; violations: Violation[] };

/** What JSON Schema cannot check on a signalement: identifier keys and plausible dates. */
export function checkSignalement(s: Signalement, today: string): Violation[] {
  const v: Violation[] = checkIdentity(s.worker, s.employer);
  const date = parseIsoDate(s.date);
  if (Number.isNaN(date)) v.push({ path: '/date', message: 'is not a calendar date' });
  else if (date > parseIsoDate(today) + 86_400_000) v.push({ path: '/date', message: 'is in the future' });
  if (s.recipient.partnerId && s.recipient.partnerId === s.sender.partnerId) v.push({ path: '/recipient/partnerId', message: 'is the sender' });
  return v;
}

export function validateSignalement(input: unknown, contracts: ContractRegistry, today: string): Checked<Signalement> {
  const r = contracts.contract<Signalement>(SignalementContractIds.signalement).validate(input);
  if (!r.ok) return { ok: false, reason: 'does not match signalement/1', violations: r.violations };
  const domain = checkSignalement(r.value, today);
  if (domain.length) return { ok: false, reason: 'identifiers or dates are invalid', violations: domain };
  return r;
}

export function validateReport(input: unknown, contracts: ContractRegistry, today: string): Checked<AccompanimentReport> {
  const r = contracts.contract<AccompanimentReport>(SignalementContractIds.accompanimentReport).validate(input);
  if (!r.ok) return { ok: false, reason: 'does not match accompaniment-report/1', violations: r.violations };
  const date = parseIsoDate(r.value.reportDate);
  if (Number.isNaN(date)) return { ok: false, reason: 'identifiers or dates are invalid', violations: [{ path: '/reportDate', message: 'is not a calendar date' }] };
  if (date > parseIsoDate(today) + 86_400_000) return { ok: false, reason: 'identifiers or dates are invalid', violations: [{ path: '/reportDate', message: 'is in the future' }] };
  return r;
}

/** Pseudonymise on entry: the NIR/INS and identity traits stop here. */
export function canonicalSignalement(s: Signalement, p: Pseudonymizer): CanonicalSignalement {
  const person = p.person(s.worker.nir ?? s.worker.ins!.value);
  return {
    referralId: referralIdOf(s.sender.partnerId, s.signalementId),
    caseId: caseIdOf(person),
    personPseudonym: person,
    signalementId: s.signalementId,
    messageId: s.messageId,
    senderId: s.sender.partnerId,
    ...(s.sender.professional ? { professional: s.sender.professional } : {}),
    recipient: s.recipient,
    ...(s.employer ? { employer: s.employer } : {}),
    ...(s.worker.departement ? { workerDepartement: s.worker.departement } : {}),
    date: s.date,
    reason: s.reason,
    ...(s.reasonDetail ? { reasonDetail: s.reasonDetail } : {}),
    ...(s.pyramide ? { pyramide: s.pyramide } : {}),
    ...(s.irdp !== undefined ? { irdp: s.irdp } : {}),
    requestedMeasures: s.requestedMeasures,
    ...(s.rqth !== undefined ? { rqth: s.rqth } : {}),
    urgency: s.urgency,
    consent: s.consent,
    sentAt: s.sentAt,
  };
}
