import { ContractIds, ContractRegistry, EmployerLeaveDeclaration, SickLeaveNotification, Topics, Violation } from '@pdp/contracts';
import { MessageBus } from '@pdp/bus';
import { checkLeave } from '@pdp/domain';

export type IntakeResult = { accepted: true; messageId: string; topic: string } | { accepted: false; title: string; violations: Violation[] };

/**
 * HTTP entry for partners without Kafka: the same contract checks as the normalizer, so a
 * sender learns at once what is wrong; a valid body is published unchanged to the inbound topic.
 */
export class LeaveIntake {
  private readonly sickLeave;
  private readonly employerLeave;

  constructor(
    private readonly bus: MessageBus,
    contracts: ContractRegistry,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.sickLeave = contracts.contract<SickLeaveNotification>(ContractIds.sickLeaveNotification);
    this.employerLeave = contracts.contract<EmployerLeaveDeclaration>(ContractIds.employerLeaveDeclaration);
  }

  async sickLeaveNotification(body: unknown): Promise<IntakeResult> {
    const r = this.sickLeave.validate(body);
    if (!r.ok) return { accepted: false, title: 'The sick-leave notification does not match sick-leave-notification/1', violations: r.violations };
    const domain = checkLeave(r.value, this.today());
    if (domain.length) return { accepted: false, title: 'The sick-leave notification has invalid identifiers or dates', violations: domain };
    // Keyed by the episode's initial leave id: its notifications stay in one partition, in order.
    const key = r.value.initialLeaveId ?? r.value.leaveId;
    await this.bus.publish(Topics.sickLeaveInbound, [{ key, value: JSON.stringify(r.value) }]);
    return { accepted: true, messageId: r.value.messageId, topic: Topics.sickLeaveInbound };
  }

  async employerDeclaration(body: unknown): Promise<IntakeResult> {
    const r = this.employerLeave.validate(body);
    if (!r.ok) return { accepted: false, title: 'The declaration does not match employer-leave-declaration/1', violations: r.violations };
    const domain = checkLeave(r.value, this.today());
    if (domain.length) return { accepted: false, title: 'The declaration has invalid identifiers or dates', violations: domain };
    await this.bus.publish(Topics.employerLeaveInbound, [{ key: r.value.messageId, value: JSON.stringify(r.value) }]);
    return { accepted: true, messageId: r.value.messageId, topic: Topics.employerLeaveInbound };
  }

  private today(): string {
    return this.clock().toISOString().slice(0, 10);
  }
}
