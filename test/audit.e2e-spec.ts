import { AuditTrail } from '@pdp/audit';
import { migrate, PgDatabase } from '@pdp/db';
import { createTestDatabase } from './support/postgres';

/** The audit trail on PostgreSQL, where entries written in a transaction go in with COPY. */
describe('audit trail on PostgreSQL', () => {
  let database: { url: string; drop: () => Promise<void> };
  let db: PgDatabase;
  let audit: AuditTrail;
  const person = 'q'.repeat(43);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new PgDatabase(database.url, 2);
    await migrate(db);
    audit = new AuditTrail(db);
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it('keeps every field of entries appended in a transaction, NULLs and special characters included', async () => {
    const reason = 'tab\there, newline\nthere, backslash \\ and "quotes"';
    await db.transaction((tx) =>
      audit.append(
        [
          {
            action: 'delivered',
            subjectType: 'sick-leave',
            subjectId: 'ep_9',
            caseId: 'case_9',
            personPseudonym: person,
            partnerId: 'spsti-a',
            category: 'spsti',
            legalBasis: 'legal-obligation-L4622-2-1',
            ruleId: 'eligible-sick-leave-to-spsti',
            rulesVersion: '2026.1',
            actor: 'hub',
            detail: { reason, fields: ['caseEvent'], irdpShared: false },
          },
          { action: 'pulled-back', subjectType: 'sick-leave', subjectId: 'ep_9', caseId: 'case_9', personPseudonym: person, partnerId: 'spsti-a', actor: 'admin' },
        ],
        tx,
      ),
    );
    const records = await audit.byCase('case_9');
    expect(records).toEqual([
      expect.objectContaining({
        action: 'delivered',
        subjectId: 'ep_9',
        partnerId: 'spsti-a',
        legalBasis: 'legal-obligation-L4622-2-1',
        consentId: null,
        rulesVersion: '2026.1',
        detail: { reason, fields: ['caseEvent'], irdpShared: false },
      }),
      expect.objectContaining({ action: 'pulled-back', category: null, legalBasis: null, ruleId: null, actor: 'admin', detail: {} }),
    ]);
    expect((await audit.disclosures(person)).map((d) => d.pulledBack)).toEqual([true]);
  });
});
