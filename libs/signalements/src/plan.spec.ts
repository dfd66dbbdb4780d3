import { CanonicalSignalement } from './intake';
import { CaseLead, consentFromSignalement, decideLead, referralContent } from './plan';
import { partnerForTerritory, regionOf } from '@pdp/partners';

const referral: CanonicalSignalement = {
  referralId: 'ref_1',
  caseId: 'case_1',
  personPseudonym: 'p'.repeat(43),
  signalementId: 'sig-1',
  messageId: 'msg-00000001',
  senderId: 'spsti-a',
  recipient: { category: 'service-social-carsat' },
  employer: { siret: '50000000100010' },
  workerDepartement: '69',
  date: '2026-09-10',
  reason: 'arret-long',
  pyramide: 'T4',
  irdp: 3,
  requestedMeasures: ['visite-pre-reprise'],
  urgency: 'normale',
  consent: { granted: true, collectedAt: '2026-09-10T09:00:00Z', irdpSharing: true },
  sentAt: '2026-09-10T10:00:00Z',
};

describe('chef de file', () => {
  const rule = (category: string, partnerId: string | null = `${category}-1`): CaseLead => ({ partnerId, category, assignedBy: 'rule', ruleId: `r-${category}`, reason: 'rule' });

  it('assigns the first lead, and follows the rules while they decide', () => {
    expect(decideLead(null, rule('spsti'))).toEqual({ lead: rule('spsti'), change: 'assigned' });
    expect(decideLead(rule('spsti'), rule('spsti')).change).toBe('kept');
    // A later T4 referral makes the service social lead.
    expect(decideLead(rule('spsti'), rule('service-social-carsat'))).toEqual({ lead: rule('service-social-carsat'), change: 'reassigned' });
  });

  it('keeps a lead re-assigned by hand until it is re-assigned by hand', () => {
    const manual: CaseLead = { partnerId: 'cap-emploi-69', category: 'cap-emploi', assignedBy: 'manual', ruleId: null, reason: 'RQTH obtenue' };
    expect(decideLead(manual, rule('service-social-carsat'))).toEqual({ lead: manual, change: 'kept' });
  });
});

describe('IRDP in deliveries', () => {
  it('copies the IRDP only when allowed', () => {
    expect(referralContent(referral, 'spsti', true).irdp).toBe(3);
    expect(referralContent(referral, 'spsti', false)).not.toHaveProperty('irdp');
    expect(JSON.stringify(referralContent(referral, 'spsti', false))).not.toContain('consent');
  });
});

describe('consent stated on the fiche', () => {
  it('covers the intended category by default, with IRDP sharing when stated', () => {
    const records = consentFromSignalement(referral, 'service-social-carsat');
    expect(records.map((r) => [r.purpose, r.recipientCategory, r.status])).toEqual([
      ['orientation', 'service-social-carsat', 'granted'],
      ['irdp-sharing', 'service-social-carsat', 'granted'],
    ]);
    expect(records[0]).toMatchObject({ source: 'signalement:ref_1', effectiveAt: '2026-09-10T09:00:00.000Z' });
  });

  it('covers the categories named, and a refusal refuses the IRDP too', () => {
    const r = { ...referral, consent: { granted: false, collectedAt: '2026-09-10T09:00:00Z', irdpSharing: true, categories: ['cap-emploi', 'france-travail'] as never } };
    expect(consentFromSignalement(r, 'service-social-carsat').map((x) => [x.purpose, x.recipientCategory, x.status])).toEqual([
      ['orientation', 'cap-emploi', 'refused'],
      ['orientation', 'france-travail', 'refused'],
      ['irdp-sharing', 'cap-emploi', 'refused'],
      ['irdp-sharing', 'france-travail', 'refused'],
    ]);
  });
});

describe('territory', () => {
  const partners = [
    { partnerId: 'cap-69', category: 'cap-emploi' as const, name: '', departements: ['69'] },
    { partnerId: 'carsat-ra', category: 'service-social-carsat' as const, name: '', region: '84', departements: [] },
    { partnerId: 'carsat-idf', category: 'service-social-carsat' as const, name: '', region: '11', departements: [] },
  ];
  it('prefers a partner of the département, then one covering the région', () => {
    expect(regionOf('38')).toBe('84');
    expect(regionOf('2A')).toBe('94');
    expect(partnerForTerritory(partners, 'cap-emploi', '69')?.partnerId).toBe('cap-69');
    expect(partnerForTerritory(partners, 'cap-emploi', '38')).toBeUndefined();
    expect(partnerForTerritory(partners, 'service-social-carsat', '38')?.partnerId).toBe('carsat-ra');
    expect(partnerForTerritory(partners, 'service-social-carsat', '92')?.partnerId).toBe('carsat-idf');
    expect(partnerForTerritory(partners, 'service-social-carsat', undefined)).toBeUndefined();
  });
});
