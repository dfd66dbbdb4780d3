import { InboxDelivery } from '@pdp/contracts';
import { Database, Sql } from '@pdp/db';
import { AuditEntry, AuditTrail } from '@pdp/audit';
import { RuleSet } from '@pdp/routing-rules';
import { caseIdOf } from '@pdp/domain';

/**
 * The router's sick-leave deliveries in the audit trail, and the SPSTI as the case's default
 * chef de file when it has none yet. Called once per router batch, last in its transaction:
 * two statements whatever the batch size.
 */
export class SickLeaveAudit {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly rules: RuleSet,
  ) {}

  async recordSickLeaveDeliveries(deliveries: InboxDelivery[], sql: Sql = this.db): Promise<void> {
    if (deliveries.length === 0) return;
    const rule = this.rules.rules.rules.find((r) => r.flow === 'sick-leave');
    const version = this.rules.version;
    const entries: AuditEntry[] = deliveries.map((d) => ({
      action: 'delivered',
      subjectType: 'sick-leave',
      subjectId: d.caseEvent.episodeId,
      caseId: caseIdOf(d.caseEvent.personPseudonym),
      personPseudonym: d.caseEvent.personPseudonym,
      partnerId: d.partnerId,
      category: 'spsti',
      legalBasis: d.legalBasis,
      ruleId: rule?.id ?? null,
      rulesVersion: version,
      actor: 'hub',
      detail: { deliveryId: d.deliveryId, episodeVersion: d.caseEvent.episodeVersion, reason: d.caseEvent.eligibilityReason, fields: ['caseEvent'], irdpShared: false },
    }));
    if (rule?.chefDeFile === 'spsti') await this.assignDefaultLeads(deliveries, rule.id, version, rule.description ?? rule.id, sql);
    // The audit entries last: their append takes the audit chain's lock (migration 012_audit_chain), held
    // until this transaction ends, so nothing but the commit may come after it.
    await this.audit.append(entries, sql);
  }

  private async assignDefaultLeads(deliveries: InboxDelivery[], ruleId: string, version: string, reason: string, sql: Sql): Promise<void> {
    // In case order: two batches assigning the same new cases take their rows in one order,
    // so they wait for each other instead of deadlocking.
    const first = [...new Map(deliveries.map((d) => [caseIdOf(d.caseEvent.personPseudonym), d])).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    await sql.query(
      `INSERT INTO case_leads (case_id, person_pseudonym, partner_id, category, assigned_by, rule_id, rules_version, reason)
       SELECT c, p, s, 'spsti', 'rule', $4, $5, $6 FROM unnest($1::text[], $2::text[], $3::text[]) AS t(c, p, s)
       ON CONFLICT (case_id) DO NOTHING`,
      [first.map(([c]) => c), first.map(([, d]) => d.caseEvent.personPseudonym), first.map(([, d]) => d.partnerId), ruleId, version, reason],
    );
  }
}
