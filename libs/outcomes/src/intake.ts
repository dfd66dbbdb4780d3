import { ContractIds, ContractRegistry, OutcomeReport, Topics, Violation } from '@pdp/contracts';
import { MessageBus } from '@pdp/bus';
import { checkOutcome } from './checks';

export type OutcomeIntakeResult = { accepted: true; messageId: string; topic: string } | { accepted: false; status: 400 | 403; title: string; violations: Violation[] };

/**
 * HTTP entry of outcome reports: the same checks as the consumer, so a sender learns at once
 * what is wrong; a valid report is published unchanged to the inbound topic. The authenticated
 * partner may only report in its own name.
 */
export class OutcomeIntake {
  private readonly contract;

  constructor(
    private readonly bus: MessageBus,
    contracts: ContractRegistry,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.contract = contracts.contract<OutcomeReport>(ContractIds.outcomeReport);
  }

  async submit(body: unknown, partnerId: string): Promise<OutcomeIntakeResult> {
    const r = this.contract.validate(body);
    if (!r.ok) return { accepted: false, status: 400, title: 'The outcome report does not match outcome-report/1', violations: r.violations };
    const domain = checkOutcome(r.value, this.clock().toISOString().slice(0, 10));
    if (domain.length) return { accepted: false, status: 400, title: 'The outcome report has invalid identifiers or dates', violations: domain };
    if (r.value.reporter.partnerId !== partnerId) {
      return {
        accepted: false,
        status: 403,
        title: 'A partner reports outcomes in its own name only',
        violations: [{ path: '/reporter/partnerId', message: `is not the authenticated partner ${partnerId}` }],
      };
    }
    // Keyed by the reporter's report id (inbound topics never carry a person identifier in keys).
    await this.bus.publish(Topics.outcomeInbound, [{ key: outcomeKey(r.value), value: JSON.stringify(r.value) }]);
    return { accepted: true, messageId: r.value.messageId, topic: Topics.outcomeInbound };
  }
}

export function outcomeKey(r: Pick<OutcomeReport, 'reporter' | 'reportId'>): string {
  return `${r.reporter.partnerId}:${r.reportId}`;
}
