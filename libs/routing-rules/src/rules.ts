import * as fs from 'fs';
import { ContractRegistry, PartnerCategory, Violation } from '@pdp/contracts';
import { SignalementContractIds, RoutingRule, RoutingRules, RuleCondition } from '@pdp/contracts';

/** The facts of a case the rules look at (pseudonymised: no person identifier). */
export interface RuleFacts {
  flow: RoutingRule['flow'];
  pyramide?: string;
  reason?: string;
  rqth?: boolean;
  irdp?: number;
  senderCategory?: string;
  urgency?: string;
}

export interface RoutingDecision {
  rulesVersion: string;
  /** Categories to deliver to, each with the rules that asked for it. */
  recipients: { category: PartnerCategory; ruleIds: string[] }[];
  chefDeFile: { category: PartnerCategory; ruleId?: string; reason: string };
  matchedRuleIds: string[];
}

export class InvalidRulesError extends Error {
  constructor(
    readonly source: string,
    readonly violations: Violation[],
  ) {
    super(`routing rules ${source} are invalid: ${violations.map((v) => `${v.path} ${v.message}`).join('; ')}`);
  }
}

/** Schema validation (ajv, routing-rules/1) plus what a schema cannot say. */
export function validateRules(input: unknown, contracts: ContractRegistry, source: string): RoutingRules {
  const r = contracts.contract<RoutingRules>(SignalementContractIds.routingRules).validate(input);
  if (!r.ok) throw new InvalidRulesError(source, r.violations);
  const seen = new Set<string>();
  const problems: Violation[] = [];
  r.value.rules.forEach((rule, i) => {
    if (seen.has(rule.id)) problems.push({ path: `/rules/${i}/id`, message: `duplicate rule id ${rule.id}` });
    seen.add(rule.id);
    // Sick-leave events carry no pyramide, reason or IRDP: a condition there would never match.
    if (rule.flow === 'sick-leave' && Object.keys(rule.when).length > 0) problems.push({ path: `/rules/${i}/when`, message: 'sick-leave rules take no condition' });
  });
  if (problems.length) throw new InvalidRulesError(source, problems);
  return r.value;
}

export function loadRulesFile(file: string, contracts: ContractRegistry): RoutingRules {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InvalidRulesError(file, [{ path: '/', message: (e as Error).message }]);
  }
  return validateRules(parsed, contracts, file);
}

export function matches(when: RuleCondition, f: RuleFacts): boolean {
  if (when.pyramide && !(f.pyramide && (when.pyramide as string[]).includes(f.pyramide))) return false;
  if (when.reason && !(f.reason && (when.reason as string[]).includes(f.reason))) return false;
  if (when.rqth !== undefined && (f.rqth ?? false) !== when.rqth) return false;
  if (when.minIrdp !== undefined && !(f.irdp !== undefined && f.irdp >= when.minIrdp)) return false;
  if (when.senderCategory && !(f.senderCategory && (when.senderCategory as string[]).includes(f.senderCategory))) return false;
  if (when.urgency && !(f.urgency && (when.urgency as string[]).includes(f.urgency))) return false;
  return true;
}

/**
 * Every matching rule adds its recipients; the first matching rule that names a chef de file
 * decides it, so a case always has exactly one (the file's default otherwise).
 */
export function evaluate(rules: RoutingRules, facts: RuleFacts): RoutingDecision {
  const matched = rules.rules.filter((r) => r.flow === facts.flow && matches(r.when, facts));
  const recipients = new Map<PartnerCategory, string[]>();
  for (const r of matched) for (const c of r.deliverTo ?? []) recipients.set(c, [...(recipients.get(c) ?? []), r.id]);
  const lead = matched.find((r) => r.chefDeFile);
  return {
    rulesVersion: rules.rulesVersion,
    recipients: [...recipients].map(([category, ruleIds]) => ({ category, ruleIds })),
    chefDeFile: lead
      ? { category: lead.chefDeFile!, ruleId: lead.id, reason: lead.description ?? `rule ${lead.id}` }
      : { category: rules.defaultChefDeFile, reason: 'default chef de file of the rules file' },
    matchedRuleIds: matched.map((r) => r.id),
  };
}

/** The IRDP goes only to categories the rules allow, and only with the worker's consent. */
export function irdpAllowed(rules: RoutingRules, category: string, irdpConsent: boolean): { share: boolean; reason: string } {
  if (!(rules.irdp.allowedCategories as string[]).includes(category)) return { share: false, reason: `category ${category} may not see the IRDP` };
  if (!irdpConsent) return { share: false, reason: 'no irdp-sharing consent' };
  return { share: true, reason: `category ${category} allowed, irdp-sharing consent granted` };
}
