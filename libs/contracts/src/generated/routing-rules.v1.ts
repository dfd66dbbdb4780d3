/* Generated from contracts/schemas/routing-rules.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { PartnerCategory, PyramideLevel, SignalementReason, Urgency } from './common.v1';

export type RoutingRule = Rule & Rule1 & Rule & Rule1;
export type Rule =
  | {
      [k: string]: unknown;
    }
  | {
      [k: string]: unknown;
    };
/**
 * Kind of PDP partner.
 */
export type PartnerCategory1 =
  | 'spsti'
  | 'service-social-carsat'
  | 'service-medical'
  | 'cpam'
  | 'cap-emploi'
  | 'agefiph'
  | 'france-travail'
  | 'fastt'
  | 'mdph'
  | 'transition-pro'
  | 'msa';

/**
 * Declarative routing of PDP cases, version 1 (deploy/routing-rules.json): who receives a case, who leads it (chef de file, IGAS recommendation 2), who may see the IRDP, where the SPSTI's accompaniment report goes back. Validated at start-up and on reload; every decision records rulesVersion and the rule ids that matched.
 */
export interface RoutingRules {
  schemaVersion: 'routing-rules/1';
  /**
   * Version of this rule set, written to the audit trail with every decision; change it with every edit.
   */
  rulesVersion: string;
  description?: string;
  /**
   * Evaluated in order; every matching rule adds its recipients; the first matching rule naming a chef de file decides it.
   *
   * @minItems 1
   */
  rules: [RoutingRule, ...RoutingRule[]];
  defaultChefDeFile: PartnerCategory1;
  /**
   * The IRDP is sensitive health data: only these categories may receive it, and only with the worker's irdp-sharing consent. Employer-facing categories cannot be listed.
   */
  irdp: {
    allowedCategories: ('spsti' | 'service-medical' | 'service-social-carsat' | 'mdph')[];
  };
  /**
   * The SPSTI's accompaniment report on a leave the insurer transmitted goes back to these insurer categories of the issuing CPAM's département (art. L.4622-2-1: legal obligation, no consent needed).
   */
  returnFlow: {
    /**
     * @minItems 1
     */
    recipients: ['cpam' | 'service-medical', ...('cpam' | 'service-medical')[]];
  };
}
export interface Rule1 {
  id: string;
  description?: string;
  /**
   * sick-leave rules describe the router's delivery (its audit and the case's chef de file); signalement rules route referrals.
   */
  flow: 'sick-leave' | 'signalement';
  /**
   * All listed conditions must hold; an empty condition always matches.
   */
  when: {
    /**
     * @minItems 1
     */
    pyramide?: [PyramideLevel, ...PyramideLevel[]];
    /**
     * @minItems 1
     */
    reason?: [SignalementReason, ...SignalementReason[]];
    rqth?: boolean;
    minIrdp?: number;
    /**
     * @minItems 1
     */
    senderCategory?: [PartnerCategory, ...PartnerCategory[]];
    /**
     * @minItems 1
     */
    urgency?: [Urgency, ...Urgency[]];
  };
  /**
   * Categories resolved to one partner each from the worker's territory (the SPSTI from the employer's adhesion).
   */
  deliverTo?: PartnerCategory[];
  chefDeFile?: PartnerCategory;
}
