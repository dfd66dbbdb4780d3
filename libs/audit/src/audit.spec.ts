import { migrate, PgliteDatabase } from '@pdp/db';
import { AuditTrail } from './audit';

describe('audit trail (PGlite)', () => {
  const db = new PgliteDatabase();
  const audit = new AuditTrail(db);
  const person = 'p'.repeat(43);

  beforeAll(async () => {
    await migrate(db);
  });
  afterAll(() => db.close());

  it('appends a batch in one statement and answers by case, partner and person', async () => {
    await audit.append([
      {
        action: 'delivered',
        subjectType: 'signalement',
        subjectId: 'ref_1',
        caseId: 'case_1',
        personPseudonym: person,
        partnerId: 'carsat',
        category: 'service-social-carsat',
        legalBasis: 'consent',
        consentId: 'cst_1',
        ruleId: 'intended-recipient',
        rulesVersion: '2026.1',
        actor: 'hub',
        detail: { ruleIds: ['intended-recipient'], fields: ['reason'], irdpShared: false },
      },
      {
        action: 'delivered',
        subjectType: 'sick-leave',
        subjectId: 'ep_1',
        caseId: 'case_1',
        personPseudonym: person,
        partnerId: 'spsti-a',
        category: 'spsti',
        legalBasis: 'legal-obligation-L4622-2-1',
        ruleId: 'eligible-sick-leave-to-spsti',
        rulesVersion: '2026.1',
        actor: 'hub',
      },
      { action: 'pulled-back', subjectType: 'signalement', subjectId: 'ref_1', caseId: 'case_1', personPseudonym: person, partnerId: 'carsat', actor: 'spsti-a' },
    ]);
    expect((await audit.byCase('case_1')).map((r) => r.action)).toEqual(['delivered', 'delivered', 'pulled-back']);
    expect((await audit.byPartner('spsti-a')).map((r) => r.subjectId)).toEqual(['ep_1']);
    const disclosures = await audit.disclosures(person);
    expect(disclosures).toEqual([
      expect.objectContaining({
        partnerId: 'carsat',
        what: { type: 'signalement', id: 'ref_1', fields: ['reason'], irdpShared: false },
        why: expect.objectContaining({ legalBasis: 'consent', consentId: 'cst_1' }),
        pulledBack: true,
      }),
      expect.objectContaining({ partnerId: 'spsti-a', why: expect.objectContaining({ legalBasis: 'legal-obligation-L4622-2-1', ruleIds: ['eligible-sick-leave-to-spsti'] }), pulledBack: false }),
    ]);
  });

  it('refuses to rewrite or delete the trail', async () => {
    await expect(db.query("UPDATE audit_log SET partner_id = 'someone-else'")).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    expect((await audit.byCase('case_1')).length).toBe(3);
  });
});
