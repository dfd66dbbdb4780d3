import { copyChunks, Sql } from '@pdp/db';
import type { AuditAction, AuditEntry, AuditRecord } from './audit';

const COLUMNS = 'action, subject_type, subject_id, case_id, person_pseudonym, partner_id, category, legal_basis, consent_id, rule_id, rules_version, actor, detail';

interface Row {
  audit_id: string;
  at: Date | string;
  action: AuditAction;
  case_id: string | null;
  person_pseudonym: string | null;
  subject_type: AuditEntry['subjectType'];
  subject_id: string;
  partner_id: string | null;
  category: string | null;
  legal_basis: string | null;
  consent_id: string | null;
  rule_id: string | null;
  rules_version: string | null;
  actor: string;
  detail: Record<string, unknown>;
}

function toRecord(r: Row): AuditRecord {
  return {
    auditId: String(r.audit_id),
    at: new Date(r.at).toISOString(),
    action: r.action,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    caseId: r.case_id,
    personPseudonym: r.person_pseudonym,
    partnerId: r.partner_id,
    category: r.category,
    legalBasis: r.legal_basis,
    consentId: r.consent_id,
    ruleId: r.rule_id,
    rulesVersion: r.rules_version,
    actor: r.actor,
    detail: r.detail,
  };
}

/** The audit_log table: append-only (it refuses UPDATE, DELETE and TRUNCATE), read by case, partner or person. */
export class AuditStore {
  constructor(private readonly db: Sql) {}

  /** Appends entries in one statement: COPY where the database has it, else one multi-row insert. */
  async append(entries: readonly AuditEntry[], sql: Sql = this.db): Promise<void> {
    if (sql.copyIn) {
      // Every entry is a new row: COPY, PostgreSQL's cheapest way in (no arrays to parse).
      const fields = (e: AuditEntry) => [
        e.action,
        e.subjectType,
        e.subjectId,
        e.caseId,
        e.personPseudonym,
        e.partnerId,
        e.category,
        e.legalBasis,
        e.consentId,
        e.ruleId,
        e.rulesVersion,
        e.actor,
        JSON.stringify(e.detail ?? {}),
      ];
      await sql.copyIn(`COPY audit_log (${COLUMNS}) FROM STDIN`, copyChunks(entries, fields));
      return;
    }
    const col = <K extends keyof AuditEntry>(k: K) => entries.map((e) => e[k] ?? null);
    await sql.query(
      `INSERT INTO audit_log (${COLUMNS})
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::jsonb[])`,
      [
        col('action'),
        col('subjectType'),
        col('subjectId'),
        col('caseId'),
        col('personPseudonym'),
        col('partnerId'),
        col('category'),
        col('legalBasis'),
        col('consentId'),
        col('ruleId'),
        col('rulesVersion'),
        col('actor'),
        entries.map((e) => JSON.stringify(e.detail ?? {})),
      ],
    );
  }

  /** A case's entries, in the order they were appended (at most `limit`, capped at 10 000). */
  byCase(caseId: string, limit: number): Promise<AuditRecord[]> {
    return this.select('case_id = $1', [caseId], limit);
  }

  /** A partner's entries, as byCase. */
  byPartner(partnerId: string, limit: number): Promise<AuditRecord[]> {
    return this.select('partner_id = $1', [partnerId], limit);
  }

  /** A person's entries, as byCase. */
  /** `personPseudonym`: one version, or every version of hers (entries keep the version of their day). */
  byPerson(personPseudonym: string | readonly string[], limit: number): Promise<AuditRecord[]> {
    return this.select('person_pseudonym = ANY($1::text[])', [typeof personPseudonym === 'string' ? [personPseudonym] : personPseudonym], limit);
  }

  private async select(where: string, params: unknown[], limit: number): Promise<AuditRecord[]> {
    const { rows } = await this.db.query<Row>(`SELECT * FROM audit_log WHERE ${where} ORDER BY audit_id LIMIT ${Math.min(Math.max(limit, 1), 10_000)}`, params);
    return rows.map(toRecord);
  }
}
