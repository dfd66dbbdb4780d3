import type { ReferralDelivery } from './generated/referral-delivery.v1';
import type { RoutingRules } from './generated/routing-rules.v1';

/**
 * Topics and contracts of the signalement flow: signalements between partners, the
 * SPSTI's accompaniment report back to the insurer. Inbound topics carry the senders' messages
 * as sent (a signalement holds the NIR) and are keyed by the sender's own id, never by a NIR;
 * deliveries go to the partners' existing inbox topics, keyed by the person pseudonym.
 */
export const SignalementTopics = {
  signalementInbound: 'pdp.signalement.inbound.v1',
  accompanimentReportInbound: 'pdp.accompaniment-report.inbound.v1',
} as const;

export const SignalementContractIds = {
  signalement: 'signalement.v1.schema.json',
  accompanimentReport: 'accompaniment-report.v1.schema.json',
  consentStatement: 'consent-statement.v1.schema.json',
  referralDelivery: 'referral-delivery.v1.schema.json',
  routingRules: 'routing-rules.v1.schema.json',
  partnerDirectory: 'partner-directory.v1.schema.json',
} as const;

/** Named parts of generated contract types (the schemas inline them). */
export type RoutingRule = RoutingRules['rules'][number];
export type RuleCondition = RoutingRule['when'];
export type ReferralContent = NonNullable<ReferralDelivery['referral']>;
export type ReportContent = NonNullable<ReferralDelivery['report']>;
export type ChefDeFile = NonNullable<ReferralDelivery['chefDeFile']>;

export * from './generated/signalement.v1';
export * from './generated/accompaniment-report.v1';
export * from './generated/consent-statement.v1';
export * from './generated/referral-delivery.v1';
export * from './generated/routing-rules.v1';
export * from './generated/partner-directory.v1';
