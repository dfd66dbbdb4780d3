import { SickLeaveNotification } from '../../libs/contracts/src';
import { addDays, withLuhnDigit, withNirKey } from '../../libs/domain/src';

/** Deterministic PRNG (mulberry32): the same seed gives the same mix. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface MixOptions {
  seed: number;
  messages: number;
  employers: number;
  unknownEmployerShare: number;
  malformedShare: number;
  /** Share of persons whose leave gets prolongations. */
  prolongationShare: number;
}

export interface BenchMessage {
  key: string;
  value: string;
  messageId: string;
  kind: 'initial' | 'prolongation' | 'malformed';
}

export function knownEmployers(n: number): string[] {
  return Array.from({ length: n }, (_, i) => withLuhnDigit(`3${String(i).padStart(8, '0')}0001`));
}

/**
 * A sick-leave mix: initial leaves (most of them ≥ 30 days or with a PDP risk so they are
 * delivered), prolongations of some, a share of unknown employers (parked) and of malformed
 * messages (dead-lettered).
 */
export function* sickLeaveMix(o: MixOptions): Generator<BenchMessage> {
  const rnd = prng(o.seed);
  const employers = knownEmployers(o.employers);
  const unknown = withLuhnDigit('4999999990001');
  let produced = 0;
  for (let person = 0; produced < o.messages; person++) {
    if (rnd() < o.malformedShare) {
      produced++;
      yield { key: `bad-${person}`, value: `{"schemaVersion":"sick-leave-notification/1","messageId":"bad-${person}","kind":"initial"}`, messageId: `bad-${person}`, kind: 'malformed' };
      continue;
    }
    const nir = withNirKey(`${1 + (person % 2)}${String(50 + (person % 50)).padStart(2, '0')}${String(1 + (person % 12)).padStart(2, '0')}${String(person % 1_000_000_000).padStart(9, '0').slice(0, 8)}`.slice(0, 13).padEnd(13, '0'));
    const siret = rnd() < o.unknownEmployerShare ? unknown : employers[Math.floor(rnd() * employers.length)];
    const start = addDays('2026-01-01', Math.floor(rnd() * 300));
    const days = 30 + Math.floor(rnd() * 90);
    const leaveId = `b${o.seed}-${person}`;
    const base: SickLeaveNotification = {
      schemaVersion: 'sick-leave-notification/1',
      messageId: `m-${leaveId}`,
      leaveId,
      kind: 'initial',
      worker: { nir, departement: '69' },
      employer: { siret },
      startDate: start,
      expectedEndDate: addDays(start, days - 1),
      nature: rnd() < 0.1 ? 'accident-du-travail' : 'maladie',
      pdpRisk: rnd() < 0.2,
      issuingCpam: { code: '691' },
      issuedAt: `${start}T08:00:00Z`,
    };
    produced++;
    yield { key: leaveId, value: JSON.stringify(base), messageId: base.messageId, kind: 'initial' };
    if (rnd() < o.prolongationShare && produced < o.messages) {
      const p: SickLeaveNotification = { ...base, messageId: `m-${leaveId}-p1`, leaveId: `${leaveId}-p1`, kind: 'prolongation', initialLeaveId: leaveId, startDate: addDays(start, days), expectedEndDate: addDays(start, days + 29) };
      produced++;
      yield { key: leaveId, value: JSON.stringify(p), messageId: p.messageId, kind: 'prolongation' };
    }
  }
}
