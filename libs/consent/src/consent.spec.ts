import { Consent, FhirSystems } from '@pdp/fhir';
import { withNirKey } from '@pdp/domain';
import { ConsentRecord, decideConsent } from './decision';
import { consentRecordsFromFhir } from './fhir-consent';

const P = 'p'.repeat(43);
let n = 0;
const rec = (over: Partial<ConsentRecord>): ConsentRecord => ({
  consentId: `c${++n}`,
  personPseudonym: P,
  purpose: 'orientation',
  recipientCategory: 'service-social-carsat',
  status: 'granted',
  effectiveAt: '2026-01-10T10:00:00.000Z',
  recordedAt: '2026-01-10T10:00:00.000Z',
  source: 'test',
  ...over,
});
const now = new Date('2026-03-01T00:00:00Z');

describe('consent decisions', () => {
  it('withholds without any record', () => {
    expect(decideConsent([], 'orientation', 'service-social-carsat', now)).toMatchObject({ allowed: false, code: 'no-consent' });
  });

  it('allows on a granted record, for that purpose and category only', () => {
    const h = [rec({ consentId: 'g1' })];
    expect(decideConsent(h, 'orientation', 'service-social-carsat', now)).toMatchObject({ allowed: true, consentId: 'g1' });
    expect(decideConsent(h, 'orientation', 'cap-emploi', now).allowed).toBe(false);
    expect(decideConsent(h, 'irdp-sharing', 'service-social-carsat', now).allowed).toBe(false);
  });

  it('follows the latest effective record: a withdrawal stops, a new grant resumes', () => {
    const granted = rec({ consentId: 'g1' });
    const withdrawn = rec({ consentId: 'w1', status: 'withdrawn', effectiveAt: '2026-02-01T00:00:00.000Z' });
    expect(decideConsent([granted, withdrawn], 'orientation', 'service-social-carsat', now)).toMatchObject({ allowed: false, code: 'consent-withdrawn', consentId: 'w1' });
    // Before the withdrawal took effect the grant applied.
    expect(decideConsent([granted, withdrawn], 'orientation', 'service-social-carsat', new Date('2026-01-20T00:00:00Z')).allowed).toBe(true);
    const regranted = rec({ consentId: 'g2', effectiveAt: '2026-02-15T00:00:00.000Z' });
    expect(decideConsent([withdrawn, regranted, granted], 'orientation', 'service-social-carsat', now)).toMatchObject({ allowed: true, consentId: 'g2' });
  });

  it('ignores a record not yet effective, and breaks ties by recording order', () => {
    expect(decideConsent([rec({ effectiveAt: '2026-06-01T00:00:00.000Z' })], 'orientation', 'service-social-carsat', now).allowed).toBe(false);
    const a = rec({ consentId: 'a', status: 'granted', recordedAt: '2026-01-10T10:00:00.000Z' });
    const b = rec({ consentId: 'b', status: 'refused', recordedAt: '2026-01-10T11:00:00.000Z' });
    expect(decideConsent([b, a], 'orientation', 'service-social-carsat', now)).toMatchObject({ allowed: false, code: 'consent-refused' });
  });
});

describe('FHIR Consent import', () => {
  const nir = withNirKey('1800169123456');
  const consent = (over: Partial<Consent>): Consent => ({
    resourceType: 'Consent',
    id: 'c1',
    meta: { versionId: '1', lastUpdated: '2026-02-02T00:00:00Z' },
    status: 'active',
    patient: { identifier: { system: 'urn:oid:1.2.250.1.213.1.4.8', value: nir } },
    dateTime: '2026-01-05T09:00:00Z',
    provision: {
      type: 'permit',
      purpose: [
        { system: FhirSystems.consentPurpose, code: 'orientation' },
        { system: FhirSystems.consentPurpose, code: 'irdp-sharing' },
      ],
      actor: [{ role: { coding: [{ system: FhirSystems.participationType, code: 'IRCP' }] }, reference: { identifier: { system: FhirSystems.partnerCategory, value: 'spsti' } } }],
    },
    ...over,
  });
  const pseudo = (x: string) => `pseudo-of-${x.slice(0, 13)}`.padEnd(43, 'x');

  it('maps one record per purpose and category, pseudonymising the patient', () => {
    const r = consentRecordsFromFhir([consent({})], pseudo);
    expect(r.skipped).toEqual([]);
    expect(r.records).toHaveLength(2);
    expect(r.records[0]).toMatchObject({
      personPseudonym: pseudo(nir),
      purpose: 'orientation',
      recipientCategory: 'spsti',
      status: 'granted',
      effectiveAt: '2026-01-05T09:00:00.000Z',
      fhirConsentId: 'Consent/c1/_history/1',
    });
    expect(JSON.stringify(r)).not.toContain(nir);
  });

  it('maps deny, rejected and inactive, and skips what is not a decision', () => {
    expect(consentRecordsFromFhir([consent({ provision: { ...consent({}).provision, type: 'deny' } })], pseudo).records[0].status).toBe('refused');
    expect(consentRecordsFromFhir([consent({ status: 'rejected' })], pseudo).records[0].status).toBe('refused');
    const inactive = consentRecordsFromFhir([consent({ status: 'inactive' })], pseudo).records[0];
    expect(inactive).toMatchObject({ status: 'withdrawn', effectiveAt: '2026-02-02T00:00:00.000Z' });
    const r = consentRecordsFromFhir(
      [consent({ status: 'draft' }), consent({ patient: { identifier: { system: 'urn:oid:1.2.250.1.213.1.4.8', value: nir.slice(0, 13) + '00' } } }), consent({ provision: { type: 'permit' } })],
      pseudo,
    );
    expect(r.records).toEqual([]);
    expect(r.skipped.map((s) => s.reason)).toEqual(['status draft is not a decision', 'patient INS/NIR fails its key check', `no provision.purpose of ${FhirSystems.consentPurpose}`]);
  });

  it("reads FHIR dateTimes on the hub's calendar: partial dates as their first instant, year 0000 and leap seconds skipped", () => {
    const at = (dateTime: string) => consentRecordsFromFhir([consent({ dateTime })], pseudo);
    expect(at('2026').records[0].effectiveAt).toBe('2026-01-01T00:00:00.000Z');
    expect(at('2026-03').records[0].effectiveAt).toBe('2026-03-01T00:00:00.000Z');
    expect(at('2026-03-04').records[0].effectiveAt).toBe('2026-03-04T00:00:00.000Z');
    expect(at('2026-03-04T10:00:00+01:00').records[0].effectiveAt).toBe('2026-03-04T09:00:00.000Z');
    for (const bad of ['0000-01-01T00:00:00Z', '2026-12-31T23:59:60Z', '2026-02-30', 'soon']) expect([bad, at(bad).skipped.map((x) => x.reason)]).toEqual([bad, ['no dateTime']]);
    // A withdrawal recorded at an unreadable time takes effect at the consent's own.
    expect(consentRecordsFromFhir([consent({ status: 'inactive', meta: { versionId: '1', lastUpdated: '0000-01-01T00:00:00Z' } })], pseudo).records[0].effectiveAt).toBe('2026-01-05T09:00:00.000Z');
  });

  it('skips a resource whose parts do not have their FHIR shape, rather than failing the import', () => {
    const malformed = consent({ provision: { type: 'permit', purpose: 'orientation', actor: {} } as unknown as Consent['provision'] });
    const r = consentRecordsFromFhir([malformed, consent({ id: 'c2' })], pseudo);
    expect(r.skipped).toEqual([{ consent: 'Consent/c1/_history/1', reason: 'is not a well-formed FHIR R4 Consent' }]);
    expect(r.records).toHaveLength(2);
  });
});
