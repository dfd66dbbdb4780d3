import { Database, Sql } from '@pdp/db';
import { AuditStore } from './audit.store';
import { ChainVerification, verifyChain } from './chain';

export type AuditAction =
  | 'delivered'
  | 'corrected'
  | 'withheld'
  | 'released'
  | 'pulled-back'
  | 'retraction-sent'
  | 'fhir-delivered'
  | 'fhir-failed'
  | 'fhir-given-up'
  | 'fhir-cancelled'
  | 'webhook-parked'
  | 'chef-de-file-assigned'
  | 'chef-de-file-reassigned'
  | 'consent-recorded'
  | 'rules-reloaded'
  | 'account-created'
  | 'account-updated'
  | 'credential-rotated'
  | 'identity-read'
  // Operators' actions (actor 'admin'):
  | 'partner-registered'
  | 'adhesions-imported'
  | 'consents-imported'
  | 'fhir-retried'
  | 'webhook-set'
  | 'webhook-removed'
  | 'webhook-secret-rotated'
  | 'push-replayed'
  | 'dead-letter-replayed'
  | 'dead-letter-read'
  | 'retention-swept'
  | 'person-erased'
  | 'pseudonyms-rekeyed'
  | 'metrics-rebuilt'
  | 'metrics-snapshots-published'
  | 'follow-ups-swept';

/** One fact of the trail. Pseudonyms only: the trail must be shareable with a DPO as is. */
export interface AuditEntry {
  action: AuditAction;
  subjectType:
    | 'sick-leave'
    | 'signalement'
    | 'accompaniment-report'
    | 'consent'
    | 'case'
    | 'rules'
    | 'partner'
    | 'directory'
    | 'fhir'
    | 'metrics'
    | 'follow-ups'
    | 'account'
    | 'dead-letter'
    | 'erasure'
    | 'pseudonyms'
    | 'webhook';
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

/**
 * Append-only audit trail (the table refuses UPDATE, DELETE and TRUNCATE), hash-chained by the
 * database (migration 012_audit_chain). Writes are one statement per batch (COPY, or one multi-row insert),
 * inside the caller's transaction when given one: the chain's lock is then held until that
 * transaction ends, so append last, right before the commit.
 */
export class AuditTrail {
  private readonly trail: AuditStore;

  constructor(private readonly db: Database) {
    this.trail = new AuditStore(db);
  }

  async append(entries: AuditEntry[], sql?: Sql): Promise<void> {
    if (entries.length === 0) return;
    await this.trail.append(entries, sql);
  }

  /**
   * Walks the chain in audit_id order and recomputes every hash: ok, or the first row modified
   * or removed (see ChainVerification). Rows appended while it runs are left for the next run.
   */
  verifyChain(): Promise<ChainVerification> {
    return verifyChain(this.db);
  }

  async byCase(caseId: string, limit = 1000): Promise<AuditRecord[]> {
    return this.trail.byCase(caseId, limit);
  }

  async byPartner(partnerId: string, limit = 1000): Promise<AuditRecord[]> {
    return this.trail.byPartner(partnerId, limit);
  }

  async byPerson(personPseudonym: string | readonly string[], limit = 1000): Promise<AuditRecord[]> {
    return this.trail.byPerson(personPseudonym, limit);
  }

  /**
   * "Who received what about this person, and why": every disclosure (delivery, release),
   * with its legal basis or consent, the rules that asked for it, and whether it was pulled back.
   */
  /** "…and who read it": every read of the person's identity by a recipient. */
  async identityReads(personPseudonym: string | readonly string[]): Promise<IdentityRead[]> {
    const all = await this.byPerson(personPseudonym, 10_000);
    return all.filter((r) => r.action === 'identity-read').map((r) => ({ at: r.at, partnerId: r.partnerId!, itemId: r.subjectId, itemType: r.subjectType, legalBasis: r.legalBasis ?? null }));
  }

  async disclosures(personPseudonym: string | readonly string[]): Promise<Disclosure[]> {
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
}

/** A read of the worker's identity by a recipient: who, when, which item, on which basis. */
export interface IdentityRead {
  at: string;
  partnerId: string;
  itemId: string;
  itemType: string;
  legalBasis: string | null;
}

export interface Disclosure {
  at: string;
  partnerId: string;
  category: string | null;
  what: { type: string; id: string; fields: string[]; irdpShared: boolean };
  why: { legalBasis: string | null; consentId: string | null; ruleId: string | null; ruleIds: string[]; rulesVersion: string | null; reason: string | null };
  pulledBack: boolean;
}
