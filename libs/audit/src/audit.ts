import { copyChunks, Database, Sql } from '@pdp/db';

const COLUMNS = 'action, subject_type, subject_id, case_id, person_pseudonym, partner_id, category, legal_basis, consent_id, rule_id, rules_version, actor, detail';

export type AuditAction =
  | 'delivered'
  | 'withheld'
  | 'released'
  | 'pulled-back'
  | 'retraction-sent'
  | 'fhir-delivered'
  | 'fhir-failed'
  | 'fhir-cancelled'
  | 'chef-de-file-assigned'
  | 'chef-de-file-reassigned'
  | 'consent-recorded'
  | 'rules-reloaded';

/** One fact of the trail. Pseudonyms only: the trail must be shareable with a DPO as is. */
export interface AuditEntry {
  action: AuditAction;
  subjectType: 'sick-leave' | 'signalement' | 'accompaniment-report' | 'consent' | 'case' | 'rules';
  subjectId: string;
  caseId?: string | null;
  personPseudonym?: string | null;
  partnerId?: string | null;
  category?: string | null;
  legalBasis?: string | null;
  consentId?: string | null;
  ruleId?: string | null;
  rulesVersion?: string | null;
  /** Who acted: 'hub' for automatic decisions, a partner id, or 'admin'. */
  actor: string;
  detail?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  auditId: string;
  at: string;
}

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

/**
 * Append-only audit trail (the table refuses UPDATE and DELETE). Writes are one multi-row
 * insert per batch, inside the caller's transaction when given one.
 */
export class AuditTrail {
  constructor(private readonly db: Database) {}

  async append(entries: AuditEntry[], sql: Sql = this.db): Promise<void> {
    if (entries.length === 0) return;
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

  async byCase(caseId: string, limit = 1000): Promise<AuditRecord[]> {
    return this.select('case_id = $1', [caseId], limit);
  }

  async byPartner(partnerId: string, limit = 1000): Promise<AuditRecord[]> {
    return this.select('partner_id = $1', [partnerId], limit);
  }

  async byPerson(personPseudonym: string, limit = 1000): Promise<AuditRecord[]> {
    return this.select('person_pseudonym = $1', [personPseudonym], limit);
  }

  /**
   * "Who received what about this person, and why": every disclosure (delivery, release),
   * with its legal basis or consent, the rules that asked for it, and whether it was pulled back.
   */
  async disclosures(personPseudonym: string): Promise<Disclosure[]> {
    const all = await this.byPerson(personPseudonym, 10_000);
    const pulledBack = new Set(all.filter((r) => r.action === 'pulled-back').map((r) => `${r.subjectId}|${r.partnerId}`));
    return all
      .filter((r) => r.action === 'delivered' || r.action === 'released')
      .map((r) => ({
        at: r.at,
        partnerId: r.partnerId!,
        category: r.category ?? null,
        what: { type: r.subjectType, id: r.subjectId, fields: (r.detail?.fields as string[] | undefined) ?? [], irdpShared: r.detail?.irdpShared === true },
        why: {
          legalBasis: r.legalBasis ?? null,
          consentId: r.consentId ?? null,
          ruleId: r.ruleId ?? null,
          ruleIds: (r.detail?.ruleIds as string[] | undefined) ?? (r.ruleId ? [r.ruleId] : []),
          rulesVersion: r.rulesVersion ?? null,
          reason: (r.detail?.reason as string | undefined) ?? null,
        },
        pulledBack: pulledBack.has(`${r.subjectId}|${r.partnerId}`),
      }));
  }

  private async select(where: string, params: unknown[], limit: number): Promise<AuditRecord[]> {
    const { rows } = await this.db.query<Row>(`SELECT * FROM audit_log WHERE ${where} ORDER BY audit_id LIMIT ${Math.min(Math.max(limit, 1), 10_000)}`, params);
    return rows.map(toRecord);
  }
}

export interface Disclosure {
  at: string;
  partnerId: string;
  category: string | null;
  what: { type: string; id: string; fields: string[]; irdpShared: boolean };
  why: { legalBasis: string | null; consentId: string | null; ruleId: string | null; ruleIds: string[]; rulesVersion: string | null; reason: string | null };
  pulledBack: boolean;
}
