import { InboxDelivery } from '@pdp/contracts';
import { Database, Sql } from '@pdp/db';
import { AuditEntry, AuditTrail } from '@pdp/audit';
import { RuleSet } from '@pdp/routing-rules';
import { CaseLeadStore } from './case-lead.store';
import { caseIdOf } from './ids';

/**
 * The router's sick-leave deliveries in the audit trail, and the SPSTI as the case's default
 * chef de file when it has none yet. Called once per router batch: two statements whatever
 * the batch size.
 */
export class SickLeaveAudit {
  private readonly leads: CaseLeadStore;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly rules: RuleSet,
  ) {
    this.leads = new CaseLeadStore(db);
  }

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
    await this.audit.append(entries, sql);
    if (rule?.chefDeFile !== 'spsti') return;
    // In case order: two batches assigning the same new cases take their rows in one order,
    // so they wait for each other instead of deadlocking.
    const first = [...new Map(deliveries.map((d) => [caseIdOf(d.caseEvent.personPseudonym), d])).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    await this.leads.assignSpstiWhereNone(sql, first, rule.id, version, rule.description ?? rule.id);
  }
}
