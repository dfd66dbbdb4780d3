import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import { AuditEntry, AuditTrail } from '@pdp/audit';
import { migrate, PgDatabase } from '@pdp/db';
import { auditVerify } from '../apps/audit-verify/src/verify';
import { createTestDatabase, createTestRole } from './support/postgres';

const OWNER_SCRIPT = path.join(__dirname, '..', 'deploy', 'postgres', 'audit-owner.sql');

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
    expect(await audit.verifyChain()).toMatchObject({ ok: true, rows: 2, lastAuditId: '2' });
  });
});

/**
 * The distributed mode's split (docs/operations.md, "The audit trail's owner"): the apps
 * connect and migrate as their own role; deploy/postgres/audit-owner.sql, run by a superuser,
 * then gives the trail to pdp_audit_owner and leaves the apps INSERT and SELECT.
 */
describe('the audit trail owned by pdp_audit_owner, the apps appending as their own role', () => {
  let database: { url: string; drop: () => Promise<void> };
  let role: Awaited<ReturnType<typeof createTestRole>>;
  let admin: Client;
  let db: PgDatabase;
  let audit: AuditTrail;
  const entries = (from: number, n: number): AuditEntry[] =>
    Array.from({ length: n }, (_, i) => ({
      action: 'delivered',
      subjectType: 'sick-leave',
      subjectId: `ep_${from + i}`,
      caseId: `case_${from + i}`,
      personPseudonym: 'r'.repeat(43),
      partnerId: 'spsti-a',
      category: 'spsti',
      legalBasis: 'legal-obligation-L4622-2-1',
      rulesVersion: '2026.1',
      actor: 'hub',
      detail: { n: from + i, reason: 'tab\there, "quotes" and é' },
    }));
  const appUrl = () => role.urlOf(database.url);

  beforeAll(async () => {
    database = await createTestDatabase();
    role = await createTestRole();
    admin = new Client({ connectionString: database.url });
    await admin.connect();
    // The database and its schema stay the operator's; the application role may create in it.
    await admin.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${role.name}`);
    db = new PgDatabase(appUrl(), 4);
    await migrate(db);
    audit = new AuditTrail(db);
    await db.transaction((tx) => audit.append(entries(1, 3), tx));
    await admin.query(fs.readFileSync(OWNER_SCRIPT, 'utf8'));
  });

  afterAll(async () => {
    await db?.close();
    await admin?.end();
    await database?.drop();
    await role?.drop();
  });

  it('gives audit_log, audit_anchor and the chain functions to pdp_audit_owner, and the apps INSERT and SELECT only', async () => {
    const owners = await admin.query(`SELECT tablename, tableowner FROM pg_tables WHERE tablename IN ('audit_log', 'audit_anchor', 'schema_migrations') ORDER BY 1`);
    expect(owners.rows).toEqual([
      { tablename: 'audit_anchor', tableowner: 'pdp_audit_owner' },
      { tablename: 'audit_log', tableowner: 'pdp_audit_owner' },
      { tablename: 'schema_migrations', tableowner: role.name },
    ]);
    const functions = await admin.query(`SELECT DISTINCT pg_get_userbyid(proowner) AS owner FROM pg_proc WHERE proname ~ '^audit_'`);
    expect(functions.rows).toEqual([{ owner: 'pdp_audit_owner' }]);
    const privileges = await admin.query(
      `SELECT p, has_table_privilege($1, 'audit_log', p) AS granted FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER', 'REFERENCES']) AS p`,
      [role.name],
    );
    expect(Object.fromEntries(privileges.rows.map((r) => [r.p, r.granted]))).toEqual({ SELECT: true, INSERT: true, UPDATE: false, DELETE: false, TRUNCATE: false, TRIGGER: false, REFERENCES: false });
    // Run again (after an upgrade), it changes nothing.
    await admin.query(fs.readFileSync(OWNER_SCRIPT, 'utf8'));
    expect((await admin.query(`SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'`)).rows).toEqual([{ tableowner: 'pdp_audit_owner' }]);
  });

  it('lets the apps append (COPY in a transaction, an insert outside one) and verify, never truncate, rewrite or set the triggers aside', async () => {
    await db.transaction((tx) => audit.append(entries(4, 50), tx));
    await audit.append(entries(54, 2));
    expect(await audit.verifyChain()).toMatchObject({ ok: true, rows: 55, lastAuditId: '55' });

    const refused: [string, RegExp][] = [
      ['TRUNCATE audit_log', /permission denied for table audit_log/],
      ['ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_rewrite', /must be owner of table audit_log/],
      ['ALTER TABLE audit_log DISABLE TRIGGER ALL', /must be owner of table audit_log/],
      ["UPDATE audit_log SET actor = 'someone-else'", /permission denied for table audit_log/],
      ['DELETE FROM audit_log', /permission denied for table audit_log/],
      ['DROP TABLE audit_log', /must be owner of table audit_log/],
      ['UPDATE audit_anchor SET row_count = 0', /permission denied for table audit_anchor/],
      ['TRUNCATE audit_anchor', /permission denied for table audit_anchor/],
      ['CREATE OR REPLACE FUNCTION audit_log_chain_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$', /must be owner of function audit_log_chain_row/],
      ['SET session_replication_role = replica', /permission denied to set parameter/],
    ];
    for (const [statement, error] of refused) await expect(db.query(statement)).rejects.toThrow(error);
    expect(await audit.verifyChain()).toMatchObject({ ok: true, rows: 55 });
  });

  it('keeps one chain while several apps append at once', async () => {
    const before = await audit.verifyChain();
    if (!before.ok) throw new Error(`chain broken before the test: ${before.reason}`);
    const apps = Array.from({ length: 3 }, () => new PgDatabase(appUrl(), 4));
    try {
      await Promise.all(
        apps.flatMap((app, a) =>
          Array.from({ length: 8 }, (_, t) => {
            const trail = new AuditTrail(app);
            const batch = entries(1000 * (a + 1) + 100 * t, 25);
            return t % 2 ? trail.append(batch) : app.transaction((tx) => trail.append(batch, tx));
          }),
        ),
      );
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
    const rows = before.rows + 3 * 8 * 25;
    expect(await audit.verifyChain()).toMatchObject({ ok: true, rows, lastAuditId: String(rows) });
    const ids = await db.query<{ n: string; min: string; max: string }>('SELECT count(*)::text AS n, min(audit_id)::text AS min, max(audit_id)::text AS max FROM audit_log');
    expect(ids.rows).toEqual([{ n: String(rows), min: '1', max: String(rows) }]);
  });

  it('answers npm run audit:verify with 0 while the chain holds, and 1 naming the row an owner rewrote behind the triggers', async () => {
    const lines: string[] = [];
    const env = { DATABASE_URL: appUrl() };
    expect(await auditVerify(env, (l) => lines.push(l))).toBe(0);
    expect(JSON.parse(lines[0])).toMatchObject({ ok: true, lastAuditId: expect.any(String), lastHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await expect(auditVerify({}, (l) => lines.push(l))).rejects.toThrow('DATABASE_URL is required');

    // Only the owner (or a superuser, here) can set the append-only trigger aside.
    await admin.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_rewrite');
    await admin.query(`UPDATE audit_log SET detail = '{"n": 10, "reason": "edited"}' WHERE audit_id = 10`);
    await admin.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_rewrite');
    await audit.append(entries(9000, 2));
    expect(await auditVerify(env, (l) => lines.push(l))).toBe(1);
    expect(JSON.parse(lines[1])).toMatchObject({ ok: false, problem: 'modified', firstBadAuditId: '10', rows: 9 });
  });
});
