import { addDays, checkLeave, daysInclusive, decideEligibility, isValidNir, isValidSiret, nirKey, Pseudonymizer, summarizeEpisode, withLuhnDigit, withNirKey } from './index';
import { parseIsoDate } from './dates';

describe('NIR', () => {
  it('checks the key, 97 − n mod 97', () => {
    expect(nirKey('1850578006084')).toBe(91);
    expect(isValidNir('185057800608491')).toBe(true);
    expect(isValidNir('185057800608492')).toBe(false);
  });
  it('maps Corsica 2A/2B to 19/18 for the key', () => {
    const corsican = withNirKey('269022A004012');
    expect(Number(corsican.slice(13))).toBe(97 - Number(2690219004012n % 97n));
    expect(isValidNir(corsican)).toBe(true);
    expect(
      isValidNir(
        withNirKey('2690218004012')
          .replace('269021', '2690' + '2A')
          .slice(0, 15),
      ),
    ).toBe(false);
  });
  it('rejects malformed NIRs', () => {
    expect(isValidNir('abc')).toBe(false);
    expect(isValidNir('985057800608491')).toBe(false);
  });
});

describe('SIRET', () => {
  it('passes Luhn', () => {
    expect(isValidSiret('73282932000074')).toBe(true);
    expect(isValidSiret('73282932000075')).toBe(false);
    expect(isValidSiret(withLuhnDigit('1234567890123'))).toBe(true);
  });
  it("accepts La Poste's digit-sum rule", () => {
    expect(isValidSiret('35600000012345')).toBe(false);
    expect(isValidSiret('35600000049837')).toBe(true);
  });
});

describe('pseudonyms', () => {
  const p = new Pseudonymizer('a-test-key-of-32-characters-long');
  it('are stable, keyed and identical for NIR and INS of the same person', () => {
    const nir = withNirKey('1850578006084');
    expect(p.person(nir)).toBe(p.person(nir));
    expect(p.person(nir)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.person(nir)).not.toContain(nir);
    expect(new Pseudonymizer('another-key-of-32-characters-xx').person(nir)).not.toBe(p.person(nir));
  });
  it('are versioned by a chain of keys: a rotation carries a stored pseudonym forward without the NIR', () => {
    const nir = withNirKey('1850578006084');
    const rotated = new Pseudonymizer('a-test-key-of-32-characters-long', ['a-second-key-of-32-characters-xx']);
    expect(rotated.version).toBe(2);
    expect(rotated.person(nir)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rotated.person(nir)).not.toBe(p.person(nir));
    // What a re-key computes from the stored version 1 is what an intake computes from the NIR.
    expect(rotated.forward(p.person(nir), 1)).toBe(rotated.person(nir));
    expect(rotated.personVersions(nir)).toEqual([p.person(nir), rotated.person(nir)]);
    // Ids from other identifiers stay under the first key.
    expect(rotated.id('episode', 'aat-1')).toBe(p.id('episode', 'aat-1'));
    // A reference retired by the rotation is linked under the new key only.
    expect(p.linkKeys('case_x')).toEqual([]);
    expect(rotated.linkKeys('case_x')).toHaveLength(1);
    const third = new Pseudonymizer('a-test-key-of-32-characters-long', ['a-second-key-of-32-characters-xx', 'a-third-key-of-32-characters-xxx']);
    // A later rotation carries the earlier link forward: what the re-key computes is what a look-up computes.
    expect(third.forward(rotated.linkKeys('case_x')[0], 2)).toBe(third.linkKeys('case_x')[0]);
    // The second key alone does not give the same pseudonym.
    expect(new Pseudonymizer('a-second-key-of-32-characters-xx').person(nir)).not.toBe(rotated.person(nir));
  });
});

describe('leave checks', () => {
  const leave = { worker: { nir: withNirKey('1850578006084') }, employer: { siret: '73282932000074' }, startDate: '2026-01-05', expectedEndDate: '2026-02-03' };
  it('accepts a plausible leave', () => expect(checkLeave(leave, '2026-01-10')).toEqual([]));
  it('rejects impossible dates and bad keys', () => {
    const v = checkLeave({ ...leave, worker: { nir: '185057800608492' }, employer: { siret: '73282932000075' }, expectedEndDate: '2025-12-01' }, '2026-01-10');
    expect(v.map((x) => x.path).sort()).toEqual(['/employer/siret', '/expectedEndDate', '/worker/nir']);
    expect(checkLeave({ ...leave, startDate: '2026-02-30' }, '2026-01-10')).toEqual([{ path: '/startDate', message: 'is not a calendar date' }]);
  });
});

describe('episodes and eligibility', () => {
  it('cumulates prolongations in any order', () => {
    const a = { leaveId: 'a', kind: 'initial' as const, startDate: '2026-01-01', expectedEndDate: '2026-01-20', pdpRisk: false };
    const b = { leaveId: 'b', kind: 'prolongation' as const, startDate: '2026-01-21', expectedEndDate: '2026-02-10', pdpRisk: false };
    expect(summarizeEpisode([a, b])).toEqual(summarizeEpisode([b, a]));
    expect(summarizeEpisode([a, b])).toMatchObject({ cumulatedDays: 41, prolongationCount: 1, version: 2 });
    expect(daysInclusive('2026-01-01', '2026-01-30')).toBe(30);
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
  });
  it('transmits from 30 days or on a PDP risk, with consent in the transitional phase', () => {
    expect(decideEligibility({ cumulatedDays: 29, pdpRisk: false }, 'assurance-maladie', false).eligible).toBe(false);
    expect(decideEligibility({ cumulatedDays: 30, pdpRisk: false }, 'assurance-maladie', false)).toMatchObject({ eligible: true, legalBasis: 'legal-obligation-L4622-2-1' });
    expect(decideEligibility({ cumulatedDays: 5, pdpRisk: true }, 'assurance-maladie', false).eligible).toBe(true);
    expect(decideEligibility({ cumulatedDays: 45, pdpRisk: true }, 'assurance-maladie', true).eligible).toBe(false);
    expect(decideEligibility({ cumulatedDays: 45, pdpRisk: true, consentGranted: true }, 'assurance-maladie', true)).toMatchObject({ eligible: true, legalBasis: 'consent' });
    expect(decideEligibility({ cumulatedDays: 20, pdpRisk: false }, 'employer', false).eligible).toBe(false);
  });
  it('names the sources of a leave reported by the insurer and the employer, the insurer first, in any order', () => {
    const notified = { leaveId: 'a', kind: 'initial' as const, startDate: '2026-01-01', expectedEndDate: '2026-02-10', pdpRisk: false };
    const declared = { leaveId: 'd', kind: 'employer-declaration' as const, startDate: '2026-01-02', expectedEndDate: '2026-02-10', pdpRisk: false };
    expect(summarizeEpisode([declared]).sources).toEqual(['employer']);
    expect(summarizeEpisode([declared, notified])).toEqual(summarizeEpisode([notified, declared]));
    expect(summarizeEpisode([declared, notified])).toMatchObject({ sources: ['assurance-maladie', 'employer'], startDate: '2026-01-01', version: 2 });
  });
  it("lets a leave both reported through by the employer's declaration when the insurer's rules do not", () => {
    const both = ['assurance-maladie', 'employer'] as const;
    // Transitional phase without consent: the insurer's rule withholds it, the declaration does not.
    expect(decideEligibility({ cumulatedDays: 45, pdpRisk: false }, both, true)).toMatchObject({ eligible: true, legalBasis: 'employer-declaration' });
    expect(decideEligibility({ cumulatedDays: 45, pdpRisk: false, consentGranted: true }, both, true)).toMatchObject({ eligible: true, legalBasis: 'consent' });
    expect(decideEligibility({ cumulatedDays: 45, pdpRisk: false }, both, false)).toMatchObject({ eligible: true, legalBasis: 'legal-obligation-L4622-2-1' });
    // Under 30 days neither lets it through: the insurer's reason is given.
    expect(decideEligibility({ cumulatedDays: 20, pdpRisk: false }, both, false)).toMatchObject({ eligible: false, legalBasis: 'legal-obligation-L4622-2-1' });
  });
});

describe('dates', () => {
  it('parses real calendar dates only, leap years included', () => {
    expect(parseIsoDate('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(parseIsoDate('2025-02-29')).toBeNaN();
    expect(parseIsoDate('1900-02-29')).toBeNaN();
    expect(parseIsoDate('2000-02-29')).toBe(Date.UTC(2000, 1, 29));
    expect(parseIsoDate('2026-04-31')).toBeNaN();
    expect(parseIsoDate('2026-13-01')).toBeNaN();
    expect(parseIsoDate('26-01-01')).toBeNaN();
  });
});
