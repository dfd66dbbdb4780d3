import { ContractRegistry } from '@pdp/contracts';
import { RoutingRules } from '@pdp/contracts';
import { evaluate, InvalidRulesError, irdpAllowed, validateRules } from './rules';
import { defaultRulesFile, RuleSet } from './rule-set';

const contracts = new ContractRegistry();
const rules = new RuleSet(defaultRulesFile(), contracts).rules;
const referral = (facts: Partial<Parameters<typeof evaluate>[1]>) => evaluate(rules, { flow: 'signalement', reason: 'arret-long', ...facts });

describe('routing rules (deploy/routing-rules.json)', () => {
  it('names the service social chef de file for T3b and T4, and delivers to it', () => {
    for (const pyramide of ['T3b', 'T4']) {
      const d = referral({ pyramide });
      expect(d.chefDeFile).toMatchObject({ category: 'service-social-carsat', ruleId: 'degraded-situation-service-social-leads' });
      expect(d.recipients).toContainEqual({ category: 'service-social-carsat', ruleIds: ['degraded-situation-service-social-leads'] });
    }
  });

  it('names the SPSTI chef de file for T2, T3a and unknown levels', () => {
    for (const pyramide of ['T2', 'T3a', undefined]) expect(referral({ pyramide }).chefDeFile).toMatchObject({ category: 'spsti', ruleId: 'default-spsti-leads' });
  });

  it('always names exactly one chef de file, from the default when no rule names one', () => {
    const noLeadRule = { ...rules, rules: rules.rules.filter((r) => !r.chefDeFile || r.flow === 'sick-leave') } as RoutingRules;
    const d = evaluate(noLeadRule, { flow: 'signalement', reason: 'autre' });
    expect(d.chefDeFile).toEqual({ category: 'spsti', reason: 'default chef de file of the rules file' });
  });

  it('orients RQTH and disability to Cap emploi, dismissal for unfitness to France Travail and Cap emploi', () => {
    expect(referral({ rqth: true }).recipients).toEqual([{ category: 'cap-emploi', ruleIds: ['rqth-to-cap-emploi'] }]);
    expect(referral({ reason: 'handicap-rqth' }).recipients.map((r) => r.category)).toEqual(['cap-emploi']);
    const dismissal = referral({ reason: 'licenciement-inaptitude', rqth: true });
    expect(dismissal.recipients).toEqual([
      { category: 'cap-emploi', ruleIds: ['rqth-to-cap-emploi', 'dismissal-for-unfitness'] },
      { category: 'france-travail', ruleIds: ['dismissal-for-unfitness'] },
    ]);
    expect(referral({ pyramide: 'T2' }).recipients).toEqual([]);
  });

  it('describes the sick-leave flow: the SPSTI receives and leads', () => {
    const d = evaluate(rules, { flow: 'sick-leave' });
    expect(d).toMatchObject({ rulesVersion: '2026.1', recipients: [{ category: 'spsti' }], chefDeFile: { category: 'spsti', ruleId: 'eligible-sick-leave-to-spsti' } });
  });

  it('rejects an invalid rules file with every violation', () => {
    const bad = { ...rules, rulesVersion: 'x y', rules: [{ id: 'a', flow: 'signalement', when: { pyramide: ['T9'] } }] };
    try {
      validateRules(bad, contracts, 'test');
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidRulesError);
      expect((e as InvalidRulesError).violations.map((v) => v.path)).toEqual(expect.arrayContaining(['/rulesVersion', '/rules/0/when/pyramide/0']));
    }
    const dup = { ...rules, rules: [rules.rules[1], rules.rules[1]] };
    expect(() => validateRules(dup, contracts, 'test')).toThrow(/duplicate rule id/);
    // The IRDP allow-list cannot name an employer-facing category.
    expect(() => validateRules({ ...rules, irdp: { allowedCategories: ['fastt'] } }, contracts, 'test')).toThrow(InvalidRulesError);
  });
});

describe('IRDP filtering', () => {
  it('shares the IRDP only with allowed categories and only with consent', () => {
    expect(irdpAllowed(rules, 'spsti', true).share).toBe(true);
    expect(irdpAllowed(rules, 'service-medical', true).share).toBe(true);
    expect(irdpAllowed(rules, 'spsti', false)).toEqual({ share: false, reason: 'no irdp-sharing consent' });
    for (const c of ['service-social-carsat', 'cap-emploi', 'france-travail', 'fastt', 'cpam']) expect(irdpAllowed(rules, c, true).share).toBe(false);
  });
});
