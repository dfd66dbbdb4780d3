import { compileAllResponses, documented } from '../support/openapi-responses';

/** The check the end-to-end tests run on real responses: it must accept what is documented and refuse the rest. */
describe('documented(): responses against the OpenAPI documents', () => {
  const json = (status: number, body: unknown, type = 'application/json; charset=utf-8') => ({ status, headers: { 'content-type': type }, body, text: JSON.stringify(body) });
  const pseudonym = 'A'.repeat(43);
  const caseEvent = {
    schemaVersion: 'case-event/1',
    eventId: 'evt-1',
    episodeId: 'ep-1',
    episodeVersion: 1,
    personPseudonym: pseudonym,
    source: 'assurance-maladie',
    sourceMessageId: 'msg-00000001',
    employerSiret: '73282932000074',
    nature: 'maladie',
    startDate: '2026-09-01',
    expectedEndDate: '2026-10-15',
    cumulatedDays: 45,
    prolongationCount: 0,
    pdpRisk: false,
    eligible: true,
    eligibilityReason: '45 days',
    legalBasis: 'legal-obligation-L4622-2-1',
    normalizedAt: '2026-09-02T10:00:00.000Z',
  };
  const item = (delivery: object, itemType = 'sick-leave') => ({
    itemId: 'dlv-1',
    schema: (delivery as { schemaVersion: string }).schemaVersion,
    status: 'new',
    version: 1,
    itemType,
    legalBasis: 'legal-obligation-L4622-2-1',
    delivery,
    createdAt: '2026-09-02T10:00:00.000Z',
    updatedAt: '2026-09-02T10:00:00.000Z',
    acknowledgedAt: null,
  });
  const sickLeave = {
    schemaVersion: 'inbox-delivery/1',
    deliveryId: 'dlv-1',
    idempotencyKey: 'spsti-a:ep-1:1',
    partnerId: 'spsti-a',
    itemType: 'sick-leave',
    caseEvent,
    legalBasis: 'legal-obligation-L4622-2-1',
    deliveredAt: '2026-09-02T10:00:00.000Z',
  };
  const report = {
    schemaVersion: 'referral-delivery/1',
    deliveryId: 'dlv-2',
    idempotencyKey: 'k',
    partnerId: 'cpam-69',
    itemType: 'accompaniment-report',
    caseId: 'case-1',
    personPseudonym: pseudonym,
    legalBasis: 'legal-obligation-L4622-2-1',
    report: { reportId: 'rep-1', episodeId: 'ep-1', sender: { partnerId: 'spsti-a' }, reportDate: '2026-10-01', accompaniment: 'en-cours' },
    rulesVersion: '2026.1',
    deliveredAt: '2026-10-01T12:00:00.000Z',
  };

  it('compiles the schema of every documented JSON response', async () => {
    expect((await compileAllResponses()).length).toBeGreaterThan(60);
  });

  it('accepts a documented body and refuses one missing a required field', async () => {
    const ok = json(202, { messageId: 'm-00000001', status: 'accepted', track: '/v1/messages/m-00000001' });
    await expect(documented(ok, 'POST /v1/sick-leaves')).resolves.toBe(ok);
    await expect(documented(json(202, { messageId: 'm-00000001', status: 'accepted' }), 'POST /v1/sick-leaves')).rejects.toThrow(/must have required property 'track'/);
  });

  it('refuses an undocumented operation, status or content type', async () => {
    await expect(documented(json(200, {}), 'GET /v1/nowhere')).rejects.toThrow(/not in the OpenAPI documents/);
    await expect(documented(json(418, {}), 'POST /v1/sick-leaves')).rejects.toThrow(/answered 418/);
    await expect(documented(json(400, {}, 'text/html'), 'POST /v1/sick-leaves')).rejects.toThrow(/answered text\/html/);
  });

  it('checks problem details', async () => {
    const problem = { type: 'https://pdp-hub.fr/problems/contract-violation', title: 'Bad', status: 400, instance: '/v1/sick-leaves', errors: [{ path: '/pdpRisk', message: 'must be boolean' }] };
    await expect(documented(json(400, problem, 'application/problem+json'), 'POST /v1/sick-leaves')).resolves.toBeDefined();
    await expect(documented(json(400, { ...problem, errors: [{ path: '/x' }] }, 'application/problem+json'), 'POST /v1/sick-leaves')).rejects.toThrow(/message/);
  });

  it('reads an inbox item as inbox-delivery/1 or referral-delivery/1 by its schemaVersion', async () => {
    await expect(documented(json(200, { partnerId: 'spsti-a', items: [item(sickLeave), item(report, 'accompaniment-report')], nextCursor: null }), 'GET /v1/inbox')).resolves.toBeDefined();
    await expect(documented(json(200, item({ ...report, schemaVersion: 'inbox-delivery/1' }, 'accompaniment-report')), 'GET /v1/inbox/{itemId}')).rejects.toThrow(/delivery/);
    await expect(documented(json(200, item({ ...sickLeave, caseEvent: { ...caseEvent, nir: '1' } })), 'GET /v1/inbox/{itemId}')).rejects.toThrow(/additional/);
  });

  it('lets a CSV table through as text', async () => {
    await expect(documented({ status: 200, headers: { 'content-type': 'text/csv; charset=utf-8' }, body: {}, text: 'period,masked\n' }, 'GET /v1/metrics/maintiens')).resolves.toBeDefined();
  });
});
