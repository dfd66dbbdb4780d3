import * as path from 'path';
import { ContractRegistry, InboxDelivery } from '@pdp/contracts';
import { Database, Sql } from '@pdp/db';
import { AuditTrail } from '@pdp/audit';
import { RuleSet } from '@pdp/routing-rules';
import { caseIdOf } from '@pdp/domain';
import { SickLeaveAudit } from './sick-leave-audit';

const RULES = path.resolve(__dirname, '..', '..', '..', 'deploy', 'routing-rules.json');

const delivery = (person: string): InboxDelivery =>
  ({
    schemaVersion: 'inbox-delivery/1',
    deliveryId: `itm_${person}`,
    idempotencyKey: `itm_${person}:1`,
    partnerId: 'spsti-a',
    itemType: 'sick-leave',
    legalBasis: 'legal-obligation-L4622-2-1',
    deliveredAt: '2026-09-02T00:00:00Z',
    caseEvent: { episodeId: `ep-${person}`, episodeVersion: 1, personPseudonym: person, eligibilityReason: 'cumulated leave of 45 days' },
  }) as unknown as InboxDelivery;

describe('SickLeaveAudit', () => {
  it("assigns new cases' chef de file in case order, once per person", async () => {
    const statements: { text: string; params?: unknown[] }[] = [];
    const sql: Sql = { query: async (text, params) => (statements.push({ text, params }), { rows: [], rowCount: 0 }) };
    const audit = new SickLeaveAudit({} as Database, new AuditTrail({} as Database), new RuleSet(RULES, new ContractRegistry()));
    const persons = ['p'.repeat(43), 'q'.repeat(43), 'r'.repeat(43), 's'.repeat(43)];
    // Two batches delivering to the same new cases from two partitions take their rows in one
    // order, whatever the order of their deliveries: they wait for each other, never deadlock.
    await audit.recordSickLeaveDeliveries([...persons, persons[0]].map(delivery), sql);
    const leads = statements.find((s) => s.text.includes('INSERT INTO case_leads'))!;
    const cases = leads.params![0] as string[];
    expect(cases).toEqual(persons.map(caseIdOf).sort());
    expect(leads.params![1]).toEqual(cases.map((c) => persons.find((p) => caseIdOf(p) === c)));
    // The audit append last: it takes the audit chain's lock, held until the commit.
    expect(statements.map((s) => s.text.match(/INSERT INTO (\w+)/)?.[1])).toEqual(['case_leads', 'audit_log']);
  });
});
