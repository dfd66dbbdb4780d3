import { ContractRegistry } from '@pdp/contracts';
import { AccompanimentReport, ReferralDelivery, ReportContent } from '@pdp/contracts';
import { BusMessage } from '@pdp/bus';
import { Database } from '@pdp/db';
import { RuleSet } from '@pdp/routing-rules';
import { DeadLetterSink, parseJson, readMessageId, Rejection, rejectionOf } from '@pdp/dead-letters';
import { Partner, PartnerRegistry } from '@pdp/partners';
import { AccompanimentReportStore } from './accompaniment-report.store';
import { caseIdOf } from '@pdp/domain';
import { decisionIdOf, reportKeyOf } from './ids';
import { validateReport } from './intake';
import { Decision, idempotencyKey } from './plan';
import { partnerForTerritory } from '@pdp/partners';
import { DeliveryWriter, Outgoing } from './writer';

export interface ReturnFlowDeps {
  db: Database;
  contracts: ContractRegistry;
  deadLetters: DeadLetterSink;
  partners: PartnerRegistry;
  rules: RuleSet;
  writer: DeliveryWriter;
  clock: () => Date;
}

/**
 * Art. L.4622-2-1: the SPSTI informs the insurer back about the accompaniment it gives. A
 * report on a leave the insurer transmitted to that SPSTI goes to the insurer categories of the
 * rules' returnFlow (CPAM, service médical) of the issuing CPAM's département. Legal basis: the
 * obligation itself, no consent.
 */
export class ReturnFlow {
  private readonly reports: AccompanimentReportStore;

  constructor(private readonly deps: ReturnFlowDeps) {
    this.reports = new AccompanimentReportStore(deps.db);
  }

  async handleBatch(messages: BusMessage[]): Promise<void> {
    const rejections: Rejection[] = [];
    const outgoing: Outgoing[] = [];
    const partners = await this.deps.partners.list();
    const today = this.deps.clock().toISOString().slice(0, 10);
    for (const m of messages) {
      const reject = (stage: Rejection['stage'], reason: string, errors: Rejection['errors'], messageId?: string) => rejections.push(rejectionOf(m, stage, reason, errors, messageId));
      const parsed = parseJson(m.value);
      if (!parsed.ok) {
        reject('normalizer', 'message is not JSON', [{ path: '/', message: parsed.error }]);
        continue;
      }
      const r = validateReport(parsed.value, this.deps.contracts, today);
      if (!r.ok) {
        reject('normalizer', r.reason, r.violations, readMessageId(parsed.value));
        continue;
      }
      const routed = await this.route(r.value, partners);
      if ('reason' in routed) reject('router', routed.reason, routed.errors, r.value.messageId);
      else outgoing.push(routed);
    }
    await this.deps.deadLetters.reject(rejections);
    await this.deps.writer.publish(outgoing);
  }

  private async route(report: AccompanimentReport, partners: Partner[]): Promise<Outgoing | { reason: string; errors: Rejection['errors'] }> {
    // The case event as delivered to this sender (its inbox item), not as stored since.
    const event = await this.reports.leaveAsDelivered(report.episodeId, report.sender.partnerId);
    // Only the SPSTI the leave was delivered to may report on it.
    if (!event) return { reason: 'unknown leave for this sender', errors: [{ path: '/episodeId', message: `no sick leave ${report.episodeId} was delivered to ${report.sender.partnerId}` }] };
    const rules = this.deps.rules;
    const key = reportKeyOf(report.sender.partnerId, report.reportId);
    const caseId = caseIdOf(event.personPseudonym);
    const content: ReportContent = {
      reportId: report.reportId,
      episodeId: report.episodeId,
      sender: { partnerId: report.sender.partnerId },
      ...(event.issuingCpam ? { issuingCpam: event.issuingCpam } : {}),
      leaveStartDate: event.startDate,
      reportDate: report.reportDate,
      accompaniment: report.accompaniment,
      ...(report.measures ? { measures: report.measures } : {}),
      ...(report.pyramide ? { pyramide: report.pyramide } : {}),
      ...(report.comment ? { comment: report.comment } : {}),
    };
    const departement = event.issuingCpam?.slice(0, 2);
    const now = this.deps.clock();
    const decisions: Decision[] = rules.rules.returnFlow.recipients.map((category) => {
      const base = {
        decisionId: decisionIdOf(key, category),
        subjectType: 'accompaniment-report' as const,
        subjectId: key,
        caseId,
        personPseudonym: event.personPseudonym,
        category,
        ruleIds: ['return-flow'],
        rulesVersion: rules.version,
        irdpShared: false,
      };
      if (event.source !== 'assurance-maladie')
        return { ...base, status: 'withheld' as const, reasonCode: 'no-recipient' as const, reason: 'the leave was declared by the employer: no insurer transmitted it' };
      const partner = partnerForTerritory(partners, category, departement);
      if (!partner)
        return {
          ...base,
          status: 'withheld' as const,
          reasonCode: 'no-recipient' as const,
          reason: `no ${category} partner serves département ${departement ?? '(unknown)'} of CPAM ${event.issuingCpam ?? '(unknown)'}`,
        };
      const delivery: ReferralDelivery = {
        schemaVersion: 'referral-delivery/1',
        deliveryId: base.decisionId,
        idempotencyKey: idempotencyKey(base.decisionId, content),
        partnerId: partner.partnerId,
        itemType: 'accompaniment-report',
        caseId,
        personPseudonym: event.personPseudonym,
        legalBasis: 'legal-obligation-L4622-2-1',
        report: content,
        ruleIds: base.ruleIds,
        rulesVersion: rules.version,
        deliveredAt: now.toISOString(),
      };
      return {
        ...base,
        partner,
        status: 'delivered' as const,
        reasonCode: 'legal-obligation' as const,
        reason: 'art. L.4622-2-1: the SPSTI informs the insurer of the accompaniment',
        legalBasis: 'legal-obligation-L4622-2-1' as const,
        delivery,
      };
    });
    return this.deps.db.transaction(async (tx) => {
      await this.reports.save(tx, key, report, caseId, event.personPseudonym, content);
      return this.deps.writer.commit(tx, decisions, report.sender.partnerId);
    });
  }
}
