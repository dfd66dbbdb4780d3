/**
 * Every Kafka topic of the hub. Versioned: a breaking change to a payload gets a new topic.
 * Keys never carry a NIR/INS: inbound topics are keyed by the sender's leave or message id,
 * everything downstream by the person pseudonym (so one person's events stay in order).
 */
export const Topics = {
  sickLeaveInbound: 'pdp.sick-leave.inbound.v1',
  employerLeaveInbound: 'pdp.employer-leave.inbound.v1',
  caseNormalized: 'pdp.case.normalized.v1',
  caseParked: 'pdp.case.parked.v1',
  deadLetter: 'pdp.dead-letter.v2',
  // Outcomes and harmonised metrics.
  outcomeInbound: 'pdp.outcome.inbound.v1',
  followUp: 'pdp.follow-up.v1',
  metrics: 'pdp.metrics.v1',
} as const;

/** Per-partner inbox topic, one per partner (created when the partner is known). */
export function inboxTopic(partnerId: string): string {
  return `pdp.inbox.${partnerId}.v1`;
}

export const ContractIds = {
  sickLeaveNotification: 'sick-leave-notification.v1.schema.json',
  employerLeaveDeclaration: 'employer-leave-declaration.v1.schema.json',
  caseEvent: 'case-event.v1.schema.json',
  inboxDelivery: 'inbox-delivery.v1.schema.json',
  parkedCase: 'parked-case.v1.schema.json',
  deadLetter: 'dead-letter.v2.schema.json',
  signalement: 'signalement.v1.schema.json',
  outcomeReport: 'outcome-report.v1.schema.json',
  followUp: 'follow-up.v1.schema.json',
  metricsSnapshot: 'metrics-snapshot.v1.schema.json',
  webhookEvent: 'webhook-event.v1.schema.json',
} as const;
