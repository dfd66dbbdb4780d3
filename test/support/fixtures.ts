import { EmployerLeaveDeclaration, OutcomeReport, SickLeaveNotification, Signalement } from '@pdp/contracts';
import { addDays, withLuhnDigit, withNirKey } from '@pdp/domain';

/** A valid NIR for test person n (women and men alternate, born in the Rhône). */
export function nirOf(n: number): string {
  return withNirKey(`${1 + (n % 2)}${String(60 + (n % 40)).padStart(2, '0')}${String(1 + (n % 12)).padStart(2, '0')}69${String(100 + (n % 900)).padStart(3, '0')}${String(n % 1000).padStart(3, '0')}`);
}

export function siretOf(n: number): string {
  return withLuhnDigit(`5${String(n).padStart(8, '0')}0001`);
}

export function sickLeave(over: Partial<SickLeaveNotification> & { n?: number } = {}): SickLeaveNotification {
  const { n = 1, ...rest } = over;
  const start = rest.startDate ?? '2026-09-01';
  return {
    schemaVersion: 'sick-leave-notification/1',
    messageId: `msg-${n}-${Math.random().toString(36).slice(2, 10)}`,
    leaveId: `aat-${n}`,
    kind: 'initial',
    worker: { nir: nirOf(n), birthName: 'DUPONT', firstNames: 'Marie', departement: '69' },
    employer: { siret: siretOf(1) },
    startDate: start,
    expectedEndDate: addDays(start, 44),
    nature: 'maladie',
    pdpRisk: false,
    issuingCpam: { code: '691' },
    issuedAt: '2026-09-01T08:00:00Z',
    ...rest,
  };
}

export function employerDeclaration(over: Partial<EmployerLeaveDeclaration> & { n?: number } = {}): EmployerLeaveDeclaration {
  const { n = 1, ...rest } = over;
  return {
    schemaVersion: 'employer-leave-declaration/1',
    messageId: `emp-${n}-${Math.random().toString(36).slice(2, 10)}`,
    worker: { nir: nirOf(n) },
    employer: { siret: siretOf(1) },
    startDate: '2026-09-01',
    expectedEndDate: '2026-10-15',
    declaredAt: '2026-09-02T08:00:00Z',
    ...rest,
  };
}

/**
 * A valid signalement about test person n from a sender to a recipient, with the worker's consent
 * (collected, with its evidence) unless `consent` says otherwise; a unique message id each time.
 */
export function signalementOf(n: number, route: Pick<Signalement, 'sender' | 'recipient'>, over: Partial<Signalement> = {}): Signalement {
  return {
    schemaVersion: 'signalement/1',
    messageId: `sig-msg-${n}-${Math.random().toString(36).slice(2, 10)}`,
    signalementId: `sig-${n}`,
    ...route,
    worker: { nir: nirOf(n), birthName: 'MARTIN', firstNames: 'Claire', departement: '69' },
    employer: { siret: siretOf(1) },
    date: '2026-09-10',
    reason: 'arret-long',
    requestedMeasures: ['visite-pre-reprise'],
    urgency: 'normale',
    consent: { granted: true, collectedAt: '2026-09-10T09:00:00Z', collectedBy: 'Dr Durand', evidenceRef: `fiche-${n}` },
    sentAt: '2026-09-10T10:00:00Z',
    ...over,
  };
}

/** An outcome report (a job kept, at the end of an accompaniment in 2026) about test person n. */
export function outcomeReportOf(n: number, reporter: string, over: Partial<OutcomeReport> = {}): OutcomeReport {
  return {
    schemaVersion: 'outcome-report/1',
    messageId: `out-msg-${reporter}-${n}`,
    reportId: `out-${n}`,
    reporter: { partnerId: reporter },
    worker: { nir: nirOf(n), departement: '69' },
    accompaniment: { startDate: '2026-02-02', endDate: '2026-05-29' },
    followUpPoint: 'end',
    outcome: 'kept-at-post',
    outcomeDate: '2026-05-29',
    measures: ['amenagement-poste'],
    reportedAt: '2026-05-29T10:00:00Z',
    ...over,
  };
}
